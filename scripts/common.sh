# Shared set-up for scripts/run.sh and scripts/test.sh: system packages, virtualenv,
# Python and npm packages, translations, and a PostgreSQL + PostGIS server.
# Sourced, not run. Everything here is idempotent: a second run only checks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
cd "$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root_or_explain() {
  # Run a package installation as root, or stop with the exact command to run.
  if [ "$(id -u)" = 0 ]; then
    "$@"
  else
    echo "Missing system packages. Run as root: $*" >&2
    exit 1
  fi
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then
    as_root_or_explain apt-get update -qq
    APT_UPDATED=1
  fi
  as_root_or_explain env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_python() {
  command -v python3 >/dev/null || apt_install python3 python3-venv
  if [ ! -x "$PY" ]; then
    log "creating virtualenv .venv"
    python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
  fi
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing Python packages"
    "$PY" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    "$PY" -m pip install -q -e ".[dev]"
    touch "$stamp"
  fi
}

ensure_npm() {
  command -v npm >/dev/null || apt_install nodejs npm
  # --include=dev: the test command needs ESLint (a devDependency) even where NODE_ENV=production.
  if [ ! -d node_modules ] || [ ! -x node_modules/.bin/eslint ] \
     || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    log "installing front-end packages (npm)"
    npm ci --include=dev --no-fund --no-audit --loglevel=error >/dev/null
    touch node_modules
  fi
}

ensure_translations() {
  "$VENV/bin/pybabel" compile -q -d exchange/translations 2>/dev/null \
    || "$VENV/bin/pybabel" compile -d exchange/translations
}

pg_client() { command -v psql >/dev/null || apt_install postgresql-client; }

# Sets ADMIN_URL (a URL of the server's maintenance database, for CREATE DATABASE).
ensure_postgres() {
  pg_client
  if [ -n "${DATABASE_URL:-}" ]; then
    ADMIN_URL="$(echo "$DATABASE_URL" | sed -E 's#^postgresql\+psycopg://#postgresql://#; s#/[^/?]*(\?.*)?$#/postgres\1#')"
  elif [ -z "${LOCAL_PG_DATA:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432; then
    ADMIN_URL="postgresql://postgres@127.0.0.1:5432/postgres"
  else
    start_local_cluster
    ADMIN_URL="postgresql://postgres@127.0.0.1:${LOCAL_PG_PORT}/postgres"
  fi
  ensure_postgis
}

start_local_cluster() {
  # No server given and none on localhost (or LOCAL_PG_DATA set): a project-local cluster under
  # instance/pgdata (or LOCAL_PG_DATA). It inherits the environment: started under libfaketime
  # it runs on a moved clock (scripts/test-any-day.sh).
  LOCAL_PG_PORT="${LOCAL_PG_PORT:-5433}"
  apt_install postgresql
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  local data="${LOCAL_PG_DATA:-$ROOT/instance/pgdata}"
  local runas=()
  if [ "$(id -u)" = 0 ]; then runas=(runuser -u postgres --); fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a project-local PostgreSQL cluster in $data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown -R postgres "$data"
    "${runas[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$LOCAL_PG_PORT"; then
    log "starting the project-local PostgreSQL on port $LOCAL_PG_PORT"
    "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" \
      -o "-p $LOCAL_PG_PORT -k /tmp -c listen_addresses=127.0.0.1" -W start >/dev/null
    # Polled here rather than with pg_ctl -w, which compares the server's start time with its
    # own and never sees a server started on a moved clock.
    local waited=0
    until pg_isready -q -h 127.0.0.1 -p "$LOCAL_PG_PORT"; do
      waited=$((waited + 1))
      [ "$waited" -gt 300 ] && { echo "PostgreSQL did not start; see $data/server.log" >&2; exit 1; }
      sleep 0.1
    done
  fi
}

ensure_postgis() {
  # PostGIS must match the server's major version; install it when it is missing.
  local major
  major="$(psql "$ADMIN_URL" -Atc 'show server_version_num' | cut -c1-2)"
  if [ "$(psql "$ADMIN_URL" -Atc "select count(*) from pg_available_extensions where name='postgis'")" = 0 ]; then
    if [ -n "${DATABASE_URL:-}" ] && ! pg_isready -q -h 127.0.0.1; then
      echo "PostGIS is not available on the server of DATABASE_URL; install it there." >&2
      exit 1
    fi
    apt_install "postgresql-${major}-postgis-3"
  fi
}

# create_database NAME [--fresh]: makes sure the database exists; prints its URL.
create_database() {
  local name="$1" fresh="${2:-}"
  if [ "$fresh" = "--fresh" ]; then
    psql "$ADMIN_URL" -q -c "drop database if exists \"$name\" with (force)" >/dev/null
  fi
  if [ "$(psql "$ADMIN_URL" -Atc "select count(*) from pg_database where datname='$name'")" = 0 ]; then
    psql "$ADMIN_URL" -q -c "create database \"$name\"" >/dev/null
  fi
  echo "$ADMIN_URL" | sed -E "s#^postgresql://#postgresql+psycopg://#; s#/postgres(\?.*)?\$#/$name\1#"
}
