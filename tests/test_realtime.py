"""Socket.IO: who may connect, and events only after commit."""

from __future__ import annotations

import pytest

from exchange import realtime, socket_origins
from exchange.extensions import db
from tests.conftest import own_app_context


def test_anonymous_socket_is_refused(socket_client):
    assert not socket_client().is_connected()


def test_socket_with_a_bogus_token_is_refused(socket_client):
    assert not socket_client(auth={"token": "exc_not-a-token"}).is_connected()


def test_socket_connects_with_the_session_cookie(client, login, make_user, socket_client):
    login(client, make_user(role="official"))
    assert socket_client(client).is_connected()


def test_socket_connects_with_an_api_token(make_user, bearer, socket_client):
    raw = bearer(make_user(role="official"))["Authorization"].split(" ", 1)[1]
    assert socket_client(auth={"token": raw}).is_connected()


def test_socket_refused_after_logout_with_the_old_cookie(client, login, make_user, socket_client):
    login(client, make_user(role="official"))
    cookie = client.get_cookie("session").value
    client.post("/api/v1/auth/logout")
    client.set_cookie("session", cookie)
    assert not socket_client(client).is_connected()


def test_logout_closes_the_sessions_open_sockets(client, login, make_user, socket_client):
    login(client, make_user(role="official"))
    sock = socket_client(client)
    assert sock.is_connected()
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert not sock.is_connected()


def _handshake(client, origin: str) -> tuple[int, str]:
    """Open an Engine.IO session as a browser page of ``origin`` would, with the client's
    cookie: the status and body of the polling handshake (where the Origin is checked)."""
    response = client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})
    return response.status_code, response.get_data(as_text=True)


def test_a_page_of_another_origin_cannot_use_the_visitors_cookie(
    client, login, make_user
):
    # Cross-site WebSocket hijacking: another port or subdomain of the same site gets the
    # cookie sent along (SameSite does not separate them); only the Origin tells them apart.
    login(client, make_user(role="official"))
    for foreign in ("http://localhost:8080", "http://evil.localhost", "https://localhost",
                    "null"):
        status, answer = _handshake(client, foreign)
        assert status == 400 and "Not an accepted origin" in answer, foreign
    # The site's own origin opens a session (the browser tests then connect and chat on it).
    status, answer = _handshake(client, "http://localhost")
    assert status == 200 and '"sid"' in answer, answer


@pytest.mark.parametrize(("configured", "expected"), [
    ([], None),  # None: python-engineio accepts the request's own scheme://Host only
    (["https://exchange.example.org"], ["https://exchange.example.org"]),
])
def test_socket_origins_are_the_own_host_or_the_configured_list(configured, expected):
    assert socket_origins(configured) == expected


def test_a_wildcard_socket_origin_is_refused_at_start():
    with pytest.raises(RuntimeError, match="SOCKETIO_ALLOWED_ORIGINS"):
        socket_origins(["*"])


def test_events_go_out_after_commit_and_never_after_rollback(
    app, client, login, make_user, socket_client
):
    user = make_user(role="official")
    login(client, user)
    sock = socket_client(client)
    with own_app_context(), app.app_context():
        realtime.emit_after_commit("probe", {"n": 1}, room=realtime.user_room(user.id))
        assert sock.get_received() == []  # nothing before commit
        db.session.commit()
        realtime.emit_after_commit("probe", {"n": 2}, room=realtime.user_room(user.id))
        db.session.rollback()
        db.session.commit()
    received = [e["args"][0] for e in sock.get_received() if e["name"] == "probe"]
    assert received == [{"n": 1}]


def test_redis_channel_follows_the_database_so_deployments_sharing_redis_stay_apart():
    assert realtime.redis_channel("redis://127.0.0.1:6379/15") == "exchange-db15"
    assert realtime.redis_channel("redis://127.0.0.1:6379") == "exchange-db0"
    manager = realtime.client_manager("redis://127.0.0.1:6379/14")
    other = realtime.client_manager("redis://127.0.0.1:6379/15", "tenant-b")
    assert (manager.channel, other.channel) == ("exchange-db14", "tenant-b")
    assert realtime.client_manager(None) is None
