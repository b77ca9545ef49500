"""Chat over Socket.IO: rooms on connect, send/ack, message, typing, read, presence,
joining live, and catching up after a disconnect."""

from __future__ import annotations

from exchange import realtime
from tests.conftest import own_app_context


def _events(sock, name: str) -> list:
    """The payloads of one event name (Flask-SocketIO's test client does not wrap the
    payload of an event called "message" in a list)."""
    with own_app_context():
        received = sock.get_received()
    return [e["args"] if e["name"] == "message" else e["args"][0]
            for e in received if e["name"] == name]


def _emit(sock, event: str, data: dict):
    with own_app_context():
        return sock.emit(event, data, callback=True)


def test_send_is_acknowledged_with_the_stored_message(
    app, as_user, make_user, make_room, socket_client, login
):
    alice = as_user("official")
    bob_user = make_user("official")
    room = make_room(alice.user, bob_user)
    bob = login(app.test_client(), bob_user)
    alice_sock, bob_sock = socket_client(alice), socket_client(bob)
    ack = _emit(alice_sock, "send", {"room_id": room.id, "body": "Guten Morgen"})
    assert ack["id"] > 0 and ack["body"] == "Guten Morgen"
    assert ack["author"]["id"] == alice.user.id
    # Stored: the REST API has it.
    listed = bob.get(f"/api/v1/rooms/{room.id}/messages").get_json()["items"]
    assert [m["id"] for m in listed] == [ack["id"]]
    assert _events(bob_sock, "message") == [ack]
    assert _events(alice_sock, "message") == [ack]  # the sender's other tabs see it too


def test_send_errors_are_acknowledged(as_user, make_user, make_room, socket_client):
    client = as_user("official")
    room = make_room(client.user)
    sock = socket_client(client)
    assert _emit(sock, "send", {"room_id": room.id, "body": ""})["errors"]["json"]["body"]
    assert _emit(sock, "send", {"room_id": "x", "body": "y"})["errors"]["room_id"]
    assert _emit(sock, "send", {"room_id": room.id, "body": "y", "bogus": 1})["errors"]
    foreign = make_room(make_user("official"))
    assert _emit(sock, "send", {"room_id": foreign.id, "body": "y"}) == {"error": "Nicht gefunden."}
    assert _events(sock, "message") == []


def test_rest_posts_reach_sockets_after_commit(as_user, make_user, make_room, socket_client,
                                               login, app):
    client = as_user("official")
    listener_user = make_user("official")
    room = make_room(client.user, listener_user)
    sock = socket_client(login(app.test_client(), listener_user))
    posted = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Hallo"}).get_json()
    assert _events(sock, "message") == [posted]
    edited = client.patch(f"/api/v1/messages/{posted['id']}", json={"body": "Hallo!"}).get_json()
    client.delete(f"/api/v1/messages/{posted['id']}")
    updates = _events(sock, "message_updated")
    assert updates[0] == edited
    assert updates[1]["deleted_at"] and updates[1]["body"] == ""


def test_typing_goes_to_the_others(app, as_user, make_user, make_room, socket_client, login):
    alice = as_user("official")
    bob_user = make_user("official")
    room = make_room(alice.user, bob_user)
    alice_sock = socket_client(alice)
    bob_sock = socket_client(login(app.test_client(), bob_user))
    outsider_sock = socket_client(as_user("official"))
    room_id = room.id
    with own_app_context():
        alice_sock.emit("typing", {"room_id": room_id})
    assert _events(bob_sock, "typing") == [
        {"room_id": room.id, "user": {"id": alice.user.id, "name": alice.user.name}}]
    assert _events(alice_sock, "typing") == []
    assert _events(outsider_sock, "typing") == []
    # Typing into a room one is not in says nothing to anyone.
    with own_app_context():
        outsider_sock.emit("typing", {"room_id": room_id})
    assert _events(bob_sock, "typing") == []


def test_read_receipts(app, as_user, make_user, make_room, make_message, socket_client, login):
    alice = as_user("official")
    bob_user = make_user("official")
    room = make_room(alice.user, bob_user)
    message = make_message(room, bob_user)
    alice_sock = socket_client(alice)
    bob_sock = socket_client(login(app.test_client(), bob_user))
    assert _emit(alice_sock, "read", {"room_id": room.id, "message_id": message.id}) == {}
    receipt = {"room_id": room.id, "user_id": alice.user.id, "message_id": message.id}
    assert _events(bob_sock, "read") == [receipt]
    assert alice.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 0
    # Reading the same again moves nothing and tells nobody.
    assert _emit(alice_sock, "read", {"room_id": room.id, "message_id": message.id}) == {}
    assert _events(bob_sock, "read") == []
    bad = _emit(alice_sock, "read", {"room_id": room.id, "message_id": 2_000_000_000})
    assert "message_id" in bad["errors"]["json"]


def test_presence(app, as_user, make_user, make_room, socket_client, login):
    alice = as_user("official")
    bob_user = make_user("official")
    room = make_room(alice.user, bob_user)
    alice_sock = socket_client(alice)
    members = alice.get(f"/api/v1/rooms/{room.id}/members").get_json()
    assert {m["user_id"]: m["online"] for m in members} == {
        alice.user.id: True, bob_user.id: False}
    bob_sock = socket_client(login(app.test_client(), bob_user))
    assert {"user_id": bob_user.id, "online": True} in _events(alice_sock, "presence")
    with own_app_context():
        bob_sock.disconnect()
    assert _events(alice_sock, "presence") == [{"user_id": bob_user.id, "online": False}]
    assert realtime.presence.online([bob_user.id, alice.user.id]) == {alice.user.id}


def test_a_token_socket_sends(as_user, make_user, make_room, bearer, socket_client):
    user = make_user("official")
    room = make_room(user)
    token = bearer(user)["Authorization"].split(" ", 1)[1]
    sock = socket_client(auth={"token": token})
    ack = _emit(sock, "send", {"room_id": room.id, "body": "Per Token"})
    assert ack["body"] == "Per Token"
    assert [m["id"] for m in _events(sock, "message")] == [ack["id"]]


def test_added_member_hears_the_room_at_once(app, as_user, make_user, make_room,
                                             socket_client, login):
    alice = as_user("official")
    carol_user = make_user("official")
    room = make_room(alice.user)
    carol_sock = socket_client(login(app.test_client(), carol_user))
    assert alice.post(f"/api/v1/rooms/{room.id}/members",
                      json={"user_id": carol_user.id}).status_code == 201
    assert {"event": "member_added", "room_id": room.id, "user_id": carol_user.id} in _events(
        carol_sock, "room")
    posted = alice.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Willkommen"})
    assert _events(carol_sock, "message") == [posted.get_json()]


def test_joining_a_network_room_joins_the_socket(app, as_user, make_user, make_room,
                                                 socket_client):
    owner = make_user("official")
    room = make_room(owner, kind="channel", visibility="network")
    client = as_user("caseworker")
    sock = socket_client(client)
    client.post(f"/api/v1/rooms/{room.id}/join")
    with own_app_context():
        sock.get_received()
    posted = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Hallo Kanal"})
    assert _events(sock, "message") == [posted.get_json()]


def test_nothing_is_missing_or_twice_after_a_reconnect(
    app, as_user, make_user, make_room, socket_client, login
):
    """A client disconnects while messages are sent, reconnects and fetches `after=` the last
    id it has: every message once, in order."""
    writer = as_user("official")
    reader_user = make_user("official")
    room = make_room(writer.user, reader_user)
    reader = login(app.test_client(), reader_user)
    url = f"/api/v1/rooms/{room.id}/messages"
    sock = socket_client(reader)
    sent = [writer.post(url, json={"body": f"vorher {i}"}).get_json()["id"] for i in range(3)]
    have = [m["id"] for m in _events(sock, "message")]
    with own_app_context():
        sock.disconnect()
    sent += [writer.post(url, json={"body": f"während {i}"}).get_json()["id"] for i in range(4)]
    sock = socket_client(reader)
    # Messages sent after the reconnect arrive live; the gap is fetched by id.
    sent += [writer.post(url, json={"body": f"nachher {i}"}).get_json()["id"] for i in range(2)]
    live = [m["id"] for m in _events(sock, "message")]
    fetched, cursor = [], None
    while True:
        query = f"after={have[-1]}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = reader.get(f"{url}?{query}").get_json()
        fetched += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    merged = have + sorted(set(fetched) | set(live))
    assert merged == sent
    assert len(have + fetched) == len(sent)  # the fetch repeats nothing it had
    assert live == sent[-2:]
