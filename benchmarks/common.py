"""What the benchmarks share: their databases (names, making, migrating, the generators'
command line), the app bound to one of them with an API token, timing in interleaved
rounds, the table of figures and the results file.

The app (exchange, Flask) is imported inside the functions that need it, not at the top:
the bare Socket.IO server of benchmarks/chat.py (``benchmarks.chat:bare_app()``) imports
this module and must stay python-socketio alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations" / "versions"
RESULTS_DIR = ROOT / "benchmarks" / "results"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_PREFIX = "exchange_bench"
DEFAULT_SEED = 20261128
# Generated dates are drawn relative to this hour: the data always looks current when it is made.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TODAY = NOW.date()
# The second factor given to a benchmark user whose API tokens need one (caseworkers).
BENCH_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


# --- databases -----------------------------------------------------------------------------


def size_label(size: int) -> str:
    """1M, 10k, 200: a size as the figures name it (database names in lower case)."""
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def database_url(name: str, server_url: str | None = None) -> str:
    """The benchmark database ``<prefix>_<name>`` on the server of BENCH_DATABASE_URL (default:
    the local server). BENCH_DATABASE_PREFIX (default ``exchange_bench``) keeps the databases
    of two runs on one server apart."""
    server = server_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", DEFAULT_PREFIX)
    url = make_url(server).set(drivername="postgresql", database=f"{prefix}_{name}")
    return url.render_as_string(hide_password=False)


def admin_connect(url: str) -> psycopg.Connection:
    """An autocommit connection to the maintenance database of that URL's server."""
    return psycopg.connect(make_url(url).set(database="postgres").render_as_string(False),
                           autocommit=True)


def database_comment(url: str) -> str | None:
    """The database's comment ("" if none), or None when the database does not exist."""
    name = make_url(url).database
    with admin_connect(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    if row is None:
        return None
    return row[0] or ""


def recreate_database(url: str) -> None:
    """Drop the database (closing its connections) and create it empty."""
    name = make_url(url).database
    with admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` with the app's own migrations
    (flask_migrate.upgrade).

    Only the two extensions the migrations use are bound (as create_app binds them), so
    that the load does not depend on the rest of the app."""
    from flask import Flask
    from flask_migrate import upgrade

    from exchange.config import normalise_database_url
    from exchange.extensions import db
    from exchange.extensions import migrate as migrate_extension

    app = Flask("exchange_benchmark")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    db.init_app(app)
    migrate_extension.init_app(app, db, directory=str(ROOT / "migrations"))
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def row_count(url: str, table: str) -> int | None:
    """Rows in ``table``, or None when the database or the table does not exist."""
    if database_comment(url) is None:
        return None
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
            return None
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def add_member(conn: psycopg.Connection, email: str, name: str, organization_id: int,
               role: str) -> int:
    """A new user with an active membership of that role in the organisation; their id."""
    user_id = conn.execute(
        "INSERT INTO users (email, name) VALUES (%s, %s) RETURNING id", (email, name)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO memberships (user_id, organization_id, role, status)"
        " VALUES (%s, %s, %s, 'active')",
        (user_id, organization_id, role),
    )
    return user_id


# --- generators ----------------------------------------------------------------------------


def fingerprint(generator: Path) -> str:
    """sha256 over the migrations and the generator: a change to either means new data."""
    digest = hashlib.sha256()
    for path in [*sorted(MIGRATIONS.glob("*.py")), generator]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def reporter(quiet: bool) -> Callable[..., None]:
    """print, or nothing when quiet."""
    return (lambda *args: None) if quiet else print


@dataclass(frozen=True)
class Generation:
    """A generator filling a database: where, under which name and stamp, where it reports
    and the perf_counter at which it began (before making the database)."""

    url: str
    name: str
    stamp: str
    say: Callable[..., None]
    started: float


def generate_database(url: str, stamp: str, table: str, rows: int, fresh: bool, quiet: bool,
                      fill: Callable[[Generation], None], revision: str = "head") -> str:
    """Leave the database alone when it already carries ``stamp`` and holds ``rows`` rows of
    ``table`` (and not ``fresh``); otherwise make it afresh, migrate it to ``revision`` and
    ``fill`` it (which also writes the stamp). The URL."""
    name = make_url(url).database
    say = reporter(quiet)
    if not fresh and database_comment(url) == stamp and row_count(url, table) == rows:
        say(f"{name}: already holds {rows} {table}, not regenerated")
        return url
    started = time.perf_counter()
    recreate_database(url)
    migrate(url, revision)
    say(f"{name}: created and migrated ({time.perf_counter() - started:.1f} s)")
    fill(Generation(url, name, stamp, say, started))
    return url


def generator_cli(generate_one: Callable[..., str], what: str, example: str,
                  description: str, argv: list[str] | None = None) -> None:
    """The command line of a generator: one or more sizes, --seed, --fresh, --url."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("sizes", type=int, nargs="+", metavar=what,
                        help=f"sizes, e.g. {example}")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--fresh", action="store_true", help="regenerate even when present")
    parser.add_argument("--url", help="database to fill (one size only); default: per size")
    args = parser.parse_args(argv)
    if args.url and len(args.sizes) > 1:
        parser.error("--url takes one size")
    for size in args.sizes:
        generate_one(size, url=args.url, seed=args.seed, fresh=args.fresh)


# --- the app -------------------------------------------------------------------------------


def bench_app(url: str) -> Any:
    """The app bound to that database, with production-like settings (no debug, no testing)."""
    from exchange import create_app
    from exchange.config import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                       "DEBUG": False, "TESTING": False})


def api_headers(app: Any, email: str, second_factor: bool = False) -> dict[str, str]:
    """Request headers with a new API token of that user (Bearer). ``second_factor`` first
    gives them one if they have none: a caseworker's tokens only work once they have."""
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.profiles import tokens
    from exchange.profiles.models import User

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if second_factor and user.totp_enabled_at is None:
            user.totp_secret = BENCH_TOTP_SECRET
            user.totp_enabled_at = datetime.now(UTC)
        _token, raw = tokens.create_api_token(user, "benchmark")
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@dataclass
class Site:
    """One benchmark database: the app bound to it, its test client with a user's API token,
    and a direct connection."""

    url: str
    app: Any
    client: Any
    headers: dict[str, str]
    conn: psycopg.Connection

    def get(self, path: str) -> Any:
        """A GET through the whole WSGI stack, its body read."""
        response = self.client.get(path, headers=self.headers)
        response.get_data()
        return response


# --- measuring -----------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    """Milliseconds the action took."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def interleaved(tasks: dict[str, Callable[[], object]], units: list[list[str]], repeat: int,
                warmup: int, seed: int) -> dict[str, list[float]]:
    """Milliseconds per task over ``repeat`` rounds after ``warmup`` untimed ones. Each
    round runs every unit (its tasks in their order) in a new random order, so that the
    noise of a shared machine falls on every figure alike."""
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {name: [] for name in tasks}
    for round_number in range(warmup + repeat):
        rng.shuffle(units)
        for unit in units:
            for name in unit:
                elapsed = timed(tasks[name])
                if round_number >= warmup:
                    samples[name].append(elapsed)
    return samples


def medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in samples.items()}


# --- figures -------------------------------------------------------------------------------


def figure_row(figure: str, value: float | None, unit: str, target: str = "—",
               passed: bool | None = None, detail: str = "") -> dict:
    """One row of a benchmark's table (and of its results file)."""
    return {"figure": figure, "value": None if value is None else round(value, 2),
            "unit": unit, "target": target, "pass": passed, "detail": detail}


def target_row(figure: str, value: float | None, unit: str, target: float, detail: str = "",
               at_least: bool = False) -> dict:
    """A figure against its target, at most (or ``at_least``); no value: not measured."""
    passed = None if value is None else (value >= target if at_least else value <= target)
    return figure_row(figure, value, unit, f"{'≥' if at_least else '≤'} {target:g}", passed,
                      detail)


def print_table(rows: list[dict], footer: str) -> None:
    """The figures as a table: measured, target, PASS/FAIL (MISSING when not measured)."""
    width = max(len(row["figure"]) for row in rows)
    print()
    print(f"{'figure':<{width}}  {'measured':>12}  {'target':>8}  result  context")
    print("-" * (width + 70))
    for row in rows:
        value = "—" if row["value"] is None else f"{row['value']:,.6g} {row['unit']}".strip()
        if row["pass"] is None:
            verdict = "MISSING" if row["value"] is None else ""
        else:
            verdict = "PASS" if row["pass"] else "FAIL"
        print(f"{row['figure']:<{width}}  {value:>12}  {row['target']:>8}  {verdict:<6}  "
              f"{row['detail']}")
    print(f"\n{footer}")


def write_results(name: str, results: dict) -> Path:
    """benchmarks/results/<name>.json: when and on what, then ``results``; says where."""
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "platform": platform.platform(), "load": os.getloadavg()},
        **results,
    }, indent=2, ensure_ascii=False, default=str))
    print(f"results written to {path}")
    return path


def wait_until_serving(process: subprocess.Popen, port: int, log: Path,
                       seconds: float = 30.0) -> None:
    """Wait (``seconds`` at most) until the server on ``port`` answers; the tail of its log
    when it exited or did not answer in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start:\n{log.read_text()[-3000:]}")
