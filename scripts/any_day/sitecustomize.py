"""Moves Python's wall clock for a whole test run (scripts/test-any-day.sh): every Python
process started with this folder on PYTHONPATH — pytest, the live servers, gunicorn — sees
today as EXCHANGE_CLOCK_SHIFT_DAYS away, ticking on; the monotonic clock and sleeps stay
real. Without the variable (or without time-machine) it does nothing."""

import os

_shift = os.environ.get("EXCHANGE_CLOCK_SHIFT_DAYS")
if _shift:
    try:
        import time_machine
    except ImportError:  # another interpreter (e.g. Debian's python3 running OWSLib)
        time_machine = None
    if time_machine is not None:
        from datetime import UTC, datetime, timedelta

        time_machine.travel(datetime.now(UTC) + timedelta(days=int(_shift)), tick=True).start()
