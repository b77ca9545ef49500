"""A serving process collects cyclic garbage in larger steps than Python's default
(GC_THRESHOLDS, exchange/config.py): with hundreds of open sockets the default spent ~8 %
of a chat process's CPU in the collector (benchmarks/README.md, "Chat"). The test app
keeps Python's thresholds, so this looks at a production app in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys

from exchange.config import TestingConfig
from tests import servers

SHOW = "import gc; from exchange import create_app; create_app(); print(gc.get_threshold())"


def _thresholds(tmp_path, **extra: str) -> str:
    database_url = os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI)
    env = {**servers.production_env(database_url, tmp_path / "instance", "gc"), **extra}
    done = subprocess.run([sys.executable, "-c", SHOW], env=env, cwd=servers.ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_serving_app_collects_garbage_in_larger_steps(tmp_path):
    assert _thresholds(tmp_path) == "(20000, 20, 20)"


def test_the_thresholds_are_configurable(tmp_path):
    assert _thresholds(tmp_path, GC_THRESHOLDS="5000,10,10") == "(5000, 10, 10)"
