"""Shared by the benchmark generator smoke tests: a database of their own, a generator run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
