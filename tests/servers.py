"""Real server processes for the tests that need them (several processes, backups): a
fresh database of their own, migrated in this process, gunicorn started as deployed.

These tests cannot run in a rolled-back transaction: the servers must see the data, so
each commits to a database of its own made here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import redis
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from benchmarks.common import wait_until_serving as wait_until_serving
from exchange.config import TestingConfig, normalise_database_url
from exchange.extensions import db, migrate
from exchange.profiles.models import ApiToken, Membership, Organization, User

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database(suffix: str) -> str:
    """A new, empty database named after the test database plus ``suffix``."""
    base = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI))
    url = make_url(base)
    url = url.set(database=f"{url.database}{suffix}")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return url.render_as_string(hide_password=False)


def upgrade_database(database_url: str) -> None:
    """`exchange db upgrade`, in this process (no second interpreter to start): a bare
    Flask app with only the two extensions the migrations use (create_app here would
    rebind the test session's Socket.IO server)."""
    migration_app = Flask("exchange_migrations")
    migration_app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(migration_app)
    migrate.init_app(migration_app, db, directory=str(ROOT / "migrations"))
    with migration_app.app_context():
        upgrade()
        db.engine.dispose()


def token(session: Session, user: User) -> str:
    """A new API token of the user (added to the session); the raw token."""
    raw = "exc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name="mp", token_hash=hashlib.sha256(raw.encode()).hexdigest()))
    return raw


def seed_member(database_url: str, organization: str, kind: str, email: str, name: str,
                role: str) -> str:
    """Commit an organisation with one active member holding an API token; answers the raw
    token."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        org = Organization(name=organization, kind=kind)
        user = User(email=email, name=name)
        session.add_all([org, user, Membership(user=user, organization=org, role=role,
                                               status="active")])
        raw = token(session, user)
        session.commit()
    engine.dispose()
    return raw


def production_env(database_url: str, instance: Path, name: str) -> dict[str, str]:
    """The environment of one server process as deployed, on ``database_url`` with its own
    instance folder and secret key; without Redis (one process needs no message queue)."""
    env = {**os.environ, "DATABASE_URL": database_url, "EXCHANGE_ENV": "production",
           "SECRET_KEY": f"{name}-" + "k" * 32, "INSTANCE_PATH": str(instance)}
    env.pop("REDIS_URL", None)
    return env


def start_server(stack: ExitStack, env: dict, port: int, log: Path,
                 connections: int = 1000) -> subprocess.Popen:
    """gunicorn with one gevent worker, as in production (see docs/deploy.md)."""
    out = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--worker-class", "gevent", "--workers", "1",
         "--worker-connections", str(connections), "--no-control-socket",
         "--bind", f"127.0.0.1:{port}", "exchange:create_app()"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    stack.callback(stop)
    return process


def start_redis(stack: ExitStack, port: int, folder: Path) -> subprocess.Popen:
    """A Redis server of the test's own on ``port`` (stopped with the stack), once it answers."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(lambda: (process.terminate(), process.wait(5)))
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
