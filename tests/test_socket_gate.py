"""The gate in front of Socket.IO (exchange/socket_gate.py): a new Engine.IO connection
without a signed-in session cookie or a valid API token is refused with 401 before it holds
anything, so raw WebSockets of anonymous visitors cannot take a process's threads."""

from __future__ import annotations

import base64
import os
import socket
import time
from contextlib import ExitStack

import requests

from tests import servers

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def test_an_anonymous_handshake_is_refused_with_401(client):
    answer = client.get(HANDSHAKE)
    assert answer.status_code == 401
    assert answer.json["code"] == 401


def test_a_forged_or_foreign_cookie_is_refused(client):
    client.set_cookie("session", "eyJsb2dpbl9zZXNzaW9uIjoieCJ9.forged.signature")
    assert client.get(HANDSHAKE).status_code == 401


def test_signed_in_sessions_and_tokens_pass(client, login, make_user, as_user):
    login(client, make_user(role="official"))
    assert client.get(HANDSHAKE).status_code == 200
    landlord = as_user("landlord")
    token = landlord.post("/api/v1/auth/tokens", json={"name": "live"}).json["token"]
    anonymous = landlord.application.test_client()
    assert anonymous.get(HANDSHAKE, headers={"Authorization": f"Bearer {token}"}
                         ).status_code == 200
    assert anonymous.get(f"{HANDSHAKE}&token={token}").status_code == 200
    assert anonymous.get(HANDSHAKE, headers={"Authorization": "Bearer exc_nicht-echt"}
                         ).status_code == 401


def test_requests_of_an_open_session_are_not_gated(client):
    # A request with a sid belongs to a connection opened through the gate (an unknown one
    # is Engine.IO's to refuse).
    assert client.get(f"{HANDSHAKE}&sid=unbekannt").status_code == 400


def _upgrade(port: int) -> tuple[socket.socket, bytes]:
    """A raw WebSocket upgrade to Engine.IO without any credentials, left open."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall((
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    return connection, connection.recv(200)


def test_anonymous_websockets_cannot_take_a_process(no_transaction, tmp_path):
    """40 raw anonymous WebSockets held open against a gunicorn as deployed: each is
    refused at once, and the API still answers."""
    database_url = servers.fresh_database("_gate")
    env = servers.production_env(database_url, tmp_path / "i", "gate")
    port = servers.free_port()
    log = tmp_path / "server.log"
    with ExitStack() as stack:
        process = servers.start_server(stack, env, port, log, connections=50)
        servers.upgrade_database(database_url)
        servers.wait_until_serving(process, port, log)
        held = []
        for _ in range(40):
            connection, answer = _upgrade(port)
            stack.callback(connection.close)
            held.append(connection)
            assert answer.startswith(b"HTTP/1.1 401"), answer
        started = time.monotonic()
        answer = requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=10)
        assert answer.status_code == 200
        assert time.monotonic() - started < 5
