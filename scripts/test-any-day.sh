#!/usr/bin/env bash
# The whole suite on another day: every process of the run (pytest, the live servers, Chromium
# and a PostgreSQL cluster of its own) sees the clock moved by OFFSET through libfaketime.
#   bash scripts/test-any-day.sh +365d        # one year ahead
#   bash scripts/test-any-day.sh -365d        # one year back
#   bash scripts/test-any-day.sh +40d tests/capacity -x   # extra arguments go to pytest
# The shared server on :5432 is left alone: its clock cannot be moved, so the run starts a
# project-local cluster under faketime (instance/pgdata-faketime, port 5434) and stops it after.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OFFSET="${1:?usage: scripts/test-any-day.sh +365d|-365d [pytest arguments]}"
shift
apt_install faketime
LIBFAKETIME="$(dpkg -L libfaketime | grep '/libfaketime.so.1$' | head -1)"
# Only the wall clock moves: a moved monotonic clock would turn every timed wait (Python's
# Condition.wait, lock timeouts: absolute deadlines on CLOCK_MONOTONIC) into a year's wait.
export LD_PRELOAD="$LIBFAKETIME" FAKETIME="$OFFSET" FAKETIME_DONT_FAKE_MONOTONIC=1
export LOCAL_PG_DATA="$ROOT/instance/pgdata-faketime" LOCAL_PG_PORT="${LOCAL_PG_PORT:-5434}"
unset DATABASE_URL
stop_cluster() {
  local bindir runas=()
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$bindir/pg_ctl" -D "$LOCAL_PG_DATA" -m fast stop >/dev/null 2>&1 || true
}
stop_cluster  # a cluster left from a run with another offset would keep that offset's clock
trap stop_cluster EXIT
log "the clock of this run: $(date -u '+%Y-%m-%d %H:%M UTC') (moved by $OFFSET)"
bash "$ROOT/scripts/test.sh" "$@"
