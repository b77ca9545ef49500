"""Several processes: two real server processes (gunicorn, threaded workers, as in
production) share Socket.IO events, presence and the identity cache's generation through
Redis, and documents through PostgreSQL (each has its own instance folder).

This test cannot live in a rolled-back transaction: both servers must see the data, so it
makes and migrates its own database (`<test database>_mp`) and commits to it. Redis is
the real server at REDIS_TEST_URL (default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import ExitStack

import pytest
import redis
import requests

from tests import servers
from tests.chat import live
from tests.documents.samples import image_bytes

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def test_a_client_on_process_a_hears_a_message_posted_through_process_b(
    no_transaction, tmp_path
):
    database_url = servers.fresh_database("_mp")
    # As two machines: nothing shared but PostgreSQL and Redis (documents in the database,
    # an instance folder each).
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "EXCHANGE_ENV": "production", "DOCUMENTS_STORE": "database",
           "SECRET_KEY": "multi-process-test-" + "k" * 32, "PRESENCE_TTL_SECONDS": "3"}
    _forget_presence()
    port_a, port_b = servers.free_port(), servers.free_port()
    with ExitStack() as stack:
        # The servers boot (they touch the database only when asked) while it is migrated.
        started = [(servers.start_server(
            stack, {**env, "INSTANCE_PATH": str(tmp_path / f"instance-{port}")}, port,
            tmp_path / f"{port}.log"), port) for port in (port_a, port_b)]
        servers.upgrade_database(database_url)
        data = live.seed(database_url)
        for process, port in started:
            servers.wait_until_serving(process, port, tmp_path / f"{port}.log")
        alice = live.client(stack, port_a, data["tokens"]["alice"])
        carol = live.client(stack, port_a, data["tokens"]["carol"])
        bob_api = requests.Session()
        bob_api.headers["Authorization"] = f"Bearer {data['tokens']['bob']}"
        b = f"http://127.0.0.1:{port_b}/api/v1"
        room_id = data["room_id"]

        posted = bob_api.post(f"{b}/rooms/{room_id}/messages", json={"body": "Von Prozess B"})
        assert posted.status_code == 201, posted.text
        assert live.next_event(alice, "message") == posted.json()

        # A photo uploaded through A is served by B, thumbnail included.
        alice_api = requests.Session()
        alice_api.headers["Authorization"] = f"Bearer {data['tokens']['alice']}"
        photo = image_bytes("PNG", (300, 200))
        uploaded = alice_api.post(f"http://127.0.0.1:{port_a}/api/v1/documents",
                                  files={"file": ("foto.png", photo)})
        assert uploaded.status_code == 201, uploaded.text
        on_b = f"{b}/documents/{uploaded.json()['id']}"
        assert alice_api.get(f"{on_b}/content").content == photo
        assert alice_api.get(f"{on_b}/thumbnail").content.startswith(b"\xff\xd8")

        # Presence is shared through Redis: process B knows Alice is online on A.
        members = bob_api.get(f"{b}/rooms/{room_id}/members").json()
        assert {m["user_id"]: m["online"] for m in members} == {
            data["ids"]["alice"]: True, data["ids"]["bob"]: False}

        # Adding Carol on B puts her open socket on A into the room.
        added = bob_api.post(f"{b}/rooms/{room_id}/members",
                             json={"user_id": data["ids"]["carol"]})
        assert added.status_code == 201, added.text
        assert live.next_event(carol, "room")["user_id"] == data["ids"]["carol"]
        second = bob_api.post(f"{b}/rooms/{room_id}/messages", json={"body": "Willkommen"})
        assert live.next_event(carol, "message") == second.json()
        assert live.next_event(alice, "message")["id"] == second.json()["id"]

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
        os.killpg(started[0][0].pid, signal.SIGKILL)
        deadline = time.monotonic() + 3 + live.WAIT_SECONDS
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
