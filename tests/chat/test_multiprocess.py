"""Several processes: two real server processes (gunicorn, threaded workers, as in
production) share Socket.IO events, and the identity cache's generation, through Redis.

This test cannot live in a rolled-back transaction: both servers must see the data, so it
makes and migrates its own database (`<test database>_mp`) and commits to it. Redis is
the real server at REDIS_TEST_URL (default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import hashlib
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
import requests
import socketio
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from exchange.chat.models import Member, Room
from exchange.config import TestingConfig, normalise_database_url
from exchange.extensions import db, migrate
from exchange.profiles.models import ApiToken, Membership, Organization, User

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
WAIT_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fresh_database() -> str:
    base = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI))
    url = make_url(base)
    url = url.set(database=f"{url.database}_mp")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return url.render_as_string(hide_password=False)


def _migrate(database_url: str) -> None:
    """`exchange db upgrade`, in this process (no second interpreter to start): a bare
    Flask app with only the two extensions the migrations use (create_app here would
    rebind the test session's Socket.IO server)."""
    migration_app = Flask("exchange_mp_migrations")
    migration_app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(migration_app)
    migrate.init_app(migration_app, db, directory=str(ROOT / "migrations"))
    with migration_app.app_context():
        upgrade()
        db.engine.dispose()


def _token(session: Session, user: User) -> str:
    raw = "exc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name="mp", token_hash=hashlib.sha256(raw.encode()).hexdigest()))
    return raw


def _seed(database_url: str) -> dict:
    engine = create_engine(database_url)
    with Session(engine) as session:
        district = Organization(name="Landkreis Test", kind="district")
        users = {name: User(email=f"{name}@mp.example", name=name.title())
                 for name in ("alice", "bob", "carol")}
        session.add_all([district, *users.values()])
        session.add_all([Membership(user=u, organization=district, role="official",
                                    status="active") for u in users.values()])
        room = Room(kind="group", visibility="private", name="Zwei Prozesse")
        session.add(room)
        session.flush()
        session.add_all([Member(room_id=room.id, user_id=users["alice"].id, role="owner"),
                         Member(room_id=room.id, user_id=users["bob"].id, role="member")])
        tokens = {name: _token(session, user) for name, user in users.items()}
        ids = {name: user.id for name, user in users.items()}
        session.commit()
        result = {"room_id": room.id, "tokens": tokens, "ids": ids}
    engine.dispose()
    return result


def _start_server(stack: ExitStack, env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn with one threaded worker, as in production (see docs/deploy.md)."""
    out = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "1",
         "--threads", "20", "--bind", f"127.0.0.1:{port}", "exchange:create_app()"],
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


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server on {port} exited:\n{log.read_text()}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"server on {port} did not start:\n{log.read_text()}")


def _client(stack: ExitStack, port: int, token: str) -> queue.Queue:
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("message", "room", "presence"):
        client.on(name, lambda data, name=name: received.put((name, data)))
    client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, wait_timeout=10)
    stack.callback(client.disconnect)
    return received


def _next(received: queue.Queue, name: str) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        try:
            event, data = received.get(timeout=left)
        except queue.Empty:
            break
        if event == name:
            return data
    raise AssertionError(f"no {name!r} event within {WAIT_SECONDS} s")


def test_a_client_on_process_a_hears_a_message_posted_through_process_b(
    no_transaction, tmp_path
):
    database_url = _fresh_database()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "EXCHANGE_ENV": "production", "INSTANCE_PATH": str(tmp_path / "instance"),
           "SECRET_KEY": "multi-process-test-" + "k" * 32}
    env["PRESENCE_TTL_SECONDS"] = "3"
    _forget_presence()
    port_a, port_b = _free_port(), _free_port()
    with ExitStack() as stack:
        # The servers boot (they touch the database only when asked) while it is migrated.
        servers = [(_start_server(stack, env, port, tmp_path / f"{port}.log"), port)
                   for port in (port_a, port_b)]
        _migrate(database_url)
        data = _seed(database_url)
        for process, port in servers:
            _wait_until_serving(process, port, tmp_path / f"{port}.log")
        alice = _client(stack, port_a, data["tokens"]["alice"])
        carol = _client(stack, port_a, data["tokens"]["carol"])
        bob_api = requests.Session()
        bob_api.headers["Authorization"] = f"Bearer {data['tokens']['bob']}"
        b = f"http://127.0.0.1:{port_b}/api/v1"
        room_id = data["room_id"]

        posted = bob_api.post(f"{b}/rooms/{room_id}/messages", json={"body": "Von Prozess B"})
        assert posted.status_code == 201, posted.text
        assert _next(alice, "message") == posted.json()

        # Presence is shared through Redis: process B knows Alice is online on A.
        members = bob_api.get(f"{b}/rooms/{room_id}/members").json()
        assert {m["user_id"]: m["online"] for m in members} == {
            data["ids"]["alice"]: True, data["ids"]["bob"]: False}

        # Adding Carol on B puts her open socket on A into the room.
        added = bob_api.post(f"{b}/rooms/{room_id}/members",
                             json={"user_id": data["ids"]["carol"]})
        assert added.status_code == 201, added.text
        assert _next(carol, "room")["user_id"] == data["ids"]["carol"]
        second = bob_api.post(f"{b}/rooms/{room_id}/messages", json={"body": "Willkommen"})
        assert _next(carol, "message") == second.json()
        assert _next(alice, "message")["id"] == second.json()["id"]

        # Bob's token is in B's identity cache by now; revoked through A, it stops on B at
        # once: the cache's generation lives in Redis.
        assert bob_api.get(f"{b}/me").status_code == 200
        a = f"http://127.0.0.1:{port_a}/api/v1"
        (token,) = bob_api.get(f"{a}/auth/tokens").json()
        assert bob_api.delete(f"{a}/auth/tokens/{token['id']}").status_code == 204
        assert bob_api.get(f"{b}/me").status_code == 401

        # Process A is killed: it says goodbye to nobody, yet Alice drops out of presence
        # once A's heartbeat is older than the TTL (3 s here), as B sees it.
        carol_api = requests.Session()
        carol_api.headers["Authorization"] = f"Bearer {data['tokens']['carol']}"
        os.killpg(servers[0][0].pid, signal.SIGKILL)
        deadline = time.monotonic() + 3 + WAIT_SECONDS
        while time.monotonic() < deadline:
            members = carol_api.get(f"{b}/rooms/{room_id}/members").json()
            if not any(m["online"] for m in members):
                break
            time.sleep(0.2)
        assert not any(m["online"] for m in members), members


def _forget_presence() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("exchange:presence:*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def _redis_is_there():
    """Redis must run (scripts/test.sh starts it); a missing server is a failure, not a skip."""
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
