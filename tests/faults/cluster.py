"""A PostgreSQL cluster of the fault suite's own (Debian's `pg_createcluster` on a free port),
so that it can be restarted, stopped and paused without touching the server every other
test uses."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
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


class Replica:
    """A streaming replica of a Cluster (pg_basebackup -R), run by pg_ctl from a folder of
    its own (owned by postgres), on ``port``."""

    def __init__(self, primary: Cluster, port: int) -> None:
        self.primary = primary
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="exchange-replica-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self.data = self.folder / "data"
        self.bin = Path(f"/usr/lib/postgresql/{primary.version}/bin")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_basebackup"), "-h", "127.0.0.1",
                          "-p", str(self.primary.port), "-U", "postgres", "-D", str(self.data),
                          "-R", "-X", "stream", "--checkpoint=fast")
        for name, text in (("postgresql.conf", ""), ("pg_hba.conf", (
                "local all all trust\nhost all all 127.0.0.1/32 trust\n"))):
            path = self.data / name
            path.write_text(text)
            shutil.chown(path, "postgres", "postgres")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.folder / "log"), "-w", "start", "-o",
                          f"-p {self.port} -c listen_addresses=127.0.0.1 "
                          f"-c unix_socket_directories={self.folder}")

    def sql(self, query: str) -> list[tuple]:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as connection:
            return connection.execute(query).fetchall()

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "stop")

    def drop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
