#!/usr/bin/env bash
# The run command: provision everything, migrate, load demo data, print the demo logins, serve.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_python
ensure_npm
ensure_translations
ensure_postgres
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(create_database exchange)"
else
  DATABASE_URL="$(create_database "$(echo "$DATABASE_URL" | sed -E 's#.*/([^/?]+)(\?.*)?$#\1#')")"
fi
export DATABASE_URL
export FLASK_APP=exchange
log "migrating $DATABASE_URL"
"$VENV/bin/exchange" db upgrade -d "$ROOT/migrations"
log "loading the gazetteer (German postcodes and towns)"
"$VENV/bin/exchange" load-places
log "loading demo data"
"$VENV/bin/exchange" seed-demo
log "serving on http://${HOST:-127.0.0.1}:${PORT:-5000}"
exec "$VENV/bin/exchange" run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
