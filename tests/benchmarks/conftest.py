"""Shared by the benchmark generator smoke tests: a generator run as by hand, into a database
of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url

from exchange.config import TestingConfig

ROOT = Path(__file__).resolve().parents[2]


def bench_database_url(suffix: str) -> str:
    """URL of the test database with `_SUFFIX` appended: the generator's own database."""
    base = make_url(os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI))
    url = base.set(drivername="postgresql", database=f"{base.database}_{suffix}")
    return url.render_as_string(hide_password=False)


def run_generator(module: str, count: int, url: str, *extra: str) -> str:
    """Run `python -m benchmarks.MODULE COUNT --url URL EXTRA…` as by hand; its stdout.

    A subprocess, since the generator builds its own app; it must exit with 0.
    """
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", str(count), "--url", url, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def scalar(conn: psycopg.Connection, sql: str) -> Any:
    """The first column of the first row the query answers."""
    return conn.execute(sql).fetchone()[0]


@dataclass(frozen=True)
class Generator:
    """`python -m benchmarks.MODULE COUNT` into the test database's name + `_SUFFIX`."""

    module: str
    count: int
    suffix: str

    @property
    def url(self) -> str:
        return bench_database_url(self.suffix)

    def run(self, *extra: str) -> str:
        """Its stdout (it must exit with 0)."""
        return run_generator(self.module, self.count, self.url, *extra)

    @contextmanager
    def fresh(self) -> Iterator[tuple[str, psycopg.Connection]]:
        """Generate anew (--fresh): its stdout and a connection to what it made."""
        output = self.run("--fresh")
        with psycopg.connect(self.url) as conn:
            yield output, conn
