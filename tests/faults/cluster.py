"""A PostgreSQL cluster of the fault suite's own (Debian's `pg_createcluster` on a free port),
so that it can be restarted, stopped and paused without touching the server every other
test uses."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psycopg


def _major() -> str:
    """The newest PostgreSQL whose server binaries are installed (the one serving the
    other tests)."""
    return max(os.listdir("/usr/lib/postgresql"), key=int)


class Cluster:
    """One PostgreSQL cluster: created (trust authentication on 127.0.0.1), started,
    restarted, stopped, paused and dropped."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.version = _major()
        self.name = f"faults_{uuid.uuid4().hex[:8]}"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, *args], check=True,
                       capture_output=True, timeout=120)

    def create(self) -> None:
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port), "--start",
             "-o", "fsync=off",
             "-o", "synchronous_commit=on", "--", "--auth=trust"],
            check=True, capture_output=True, timeout=120)
        self.wait_until_up()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_until_up(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2) as connection:
                    connection.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")
        self.wait_until_up()

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("start")
        self.wait_until_up()

    def _pids(self) -> list[int]:
        """The postmaster and every backend of this cluster (their titles name it)."""
        found = subprocess.run(["pgrep", "-f", f"{self.version}/{self.name}"],
                               capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def pause(self) -> list[int]:
        """SIGSTOP the whole server: connections stay open, nothing answers."""
        pids = self._pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def resume(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def drop(self) -> None:
        self.resume(self._pids())
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name],
                       capture_output=True, timeout=120)

    @property
    def log(self) -> Path:
        return Path(f"/var/log/postgresql/postgresql-{self.version}-{self.name}.log")
