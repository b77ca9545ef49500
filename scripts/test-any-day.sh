#!/usr/bin/env bash
# The whole suite on another day: every clock of the run is moved by OFFSET days.
#   bash scripts/test-any-day.sh +365        # one year ahead
#   bash scripts/test-any-day.sh -365        # one year back
#   bash scripts/test-any-day.sh +40 tests/capacity -x   # extra arguments go to pytest
# Python processes (pytest, the live servers, gunicorn) move with time-machine, loaded by
# scripts/any_day/sitecustomize.py; PostgreSQL and Chromium run under Debian's libfaketime.
# The shared server on :5432 is left alone: its clock cannot be moved, so the run starts a
# project-local cluster under faketime (instance/pgdata-faketime, port 5434) and stops it after.
# libfaketime is not used for Python: it breaks timed waits and sleeps there.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DAYS="${1:?usage: scripts/test-any-day.sh +365|-365 [pytest arguments]}"
shift
DAYS="${DAYS%d}"
apt_install faketime
LIBFAKETIME="$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -1)"
FAKE=(env LD_PRELOAD="$LIBFAKETIME" FAKETIME="${DAYS}d")
export LOCAL_PG_DATA="$ROOT/instance/pgdata-faketime" LOCAL_PG_PORT="${LOCAL_PG_PORT:-5434}"
export EXCHANGE_CLOCK_SHIFT_DAYS="$DAYS" PYTHONPATH="$ROOT/scripts/any_day${PYTHONPATH:+:$PYTHONPATH}"
export CHROMIUM_LD_PRELOAD="$LIBFAKETIME" CHROMIUM_FAKETIME="${DAYS}d"
unset DATABASE_URL
stop_cluster() {
  local bindir runas=()
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$bindir/pg_ctl" -D "$LOCAL_PG_DATA" -m fast stop >/dev/null 2>&1 || true
}
stop_cluster  # a cluster left from a run with another offset would keep that offset's clock
trap stop_cluster EXIT
LD_PRELOAD="$LIBFAKETIME" FAKETIME="${DAYS}d" start_local_cluster
log "the clock of this run: $("${FAKE[@]}" date -u '+%Y-%m-%d %H:%M UTC') (moved by $DAYS days)"
bash "$ROOT/scripts/test.sh" "$@"
