#!/usr/bin/env bash
# The browser tests N times in a row (default 5), each run on a fresh database (tests/e2e makes
# its own: dropped, migrated, seeded), stopping at the first failure: shows they are
# deterministic. Extra arguments go to pytest.  bash scripts/e2e-repeat.sh 5 -x
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"
[ $# -gt 0 ] && shift
for run in $(seq 1 "$RUNS"); do
  printf '\033[1m==> browser tests, run %s of %s\033[0m\n' "$run" "$RUNS" >&2
  bash "$ROOT/scripts/test.sh" tests/e2e -p no:cacheprovider "$@" \
    || { echo "run $run of $RUNS failed" >&2; exit 1; }
done
echo "all $RUNS runs passed" >&2
