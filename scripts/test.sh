#!/usr/bin/env bash
# The test command: the same provisioning into separate test databases, then the whole suite.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/profiles -x).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_python
ensure_npm
ensure_translations
ensure_postgres
# gdal-bin and python3-owslib: the GIS clients of tests/e2e/test_ogc_gis_clients.py
apt_install chromium fonts-dejavu-core gdal-bin python3-owslib
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || {
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" \
    --appendonly no >/dev/null
}
TEST_DATABASE_URL="$(create_database exchange_test --fresh)"
E2E_DATABASE_URL="$(create_database exchange_e2e --fresh)"
export TEST_DATABASE_URL E2E_DATABASE_URL
export REDIS_TEST_URL="${REDIS_TEST_URL:-redis://127.0.0.1:6379/15}"
log "ruff"
"$VENV/bin/ruff" check exchange tests benchmarks migrations
# The front end (exchange/static/js): ESLint, then the unit tests of its non-DOM logic
# (tests/js, node's own test runner). set -e stops here on a failure, before pytest.
log "eslint"
node_modules/.bin/eslint .
log "JS unit tests"
node --test tests/js/
log "pytest"
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
# pytest's 5 means no test was collected: a suite that ran nothing has not passed.
if [ "$status" = 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$status"
