"""`python -m benchmarks` (`make bench`): every benchmark in turn; each prints its table."""

from __future__ import annotations

import sys

from benchmarks import capacity, chat, listings, placement

BENCHMARKS = {"listings": listings.main, "chat": chat.main, "capacity": capacity.main,
              "placement": placement.main}


def main() -> int:
    failed = 0
    for name, run in BENCHMARKS.items():
        print(f"== {name}")
        failed |= run([])
    return failed


if __name__ == "__main__":
    sys.exit(main())
