"""Replies in a thread notify the thread's root author and its earlier participants
(`chat_reply`): once per person and message, live on their socket, never the replier,
never someone the reply mentions (they get the mention), never someone outside the room."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from exchange.chat.models import Member
from exchange.extensions import db
from tests.conftest import own_app_context


def _feed(client) -> list[dict]:
    """The notifications the user sees in their feed (REST), oldest first."""
    response = client.get("/api/v1/notifications")
    assert response.status_code == 200, response.get_json()
    return list(reversed(response.get_json()["items"]))


def _reply(client, room_id: int, reply_to_id: int, body: str) -> dict:
    response = client.post(f"/api/v1/rooms/{room_id}/messages",
                           json={"body": body, "reply_to_id": reply_to_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def thread(as_user, make_room, make_message):
    """Two officials in a room, a thread started by the first: (root_author, replier, room,
    root)."""
    root_author = as_user("official")
    replier = as_user("official")
    room = make_room(root_author.user, replier.user)
    return root_author, replier, room, make_message(room, root_author.user, "Thema")


def test_the_root_author_is_told_of_a_reply_live(as_user, make_room, make_message,
                                                 socket_client):
    root_author = as_user("official")
    replier = as_user("official")
    bystander = as_user("official")
    room = make_room(root_author.user, replier.user, bystander.user, name="Unterbringung Süd")
    root = make_message(room, root_author.user, "Wer hat noch Betten frei?")
    sock = socket_client(root_author)
    with own_app_context():
        sock.get_received()

    reply = _reply(replier, room.id, root.id, "Wir haben 12 Betten in Melle.")

    (note,) = _feed(root_author)
    assert note["kind"] == "chat_reply"
    assert note["payload"] == {
        "room_id": room.id, "room_name": "Unterbringung Süd", "message_id": reply["id"],
        "thread_id": root.id, "author": {"id": replier.user.id, "name": replier.user.name},
        "excerpt": "Wir haben 12 Betten in Melle.",
    }
    assert _feed(replier) == []  # not told of one's own reply
    assert _feed(bystander) == []  # a member who never wrote in the thread
    with own_app_context():
        received = sock.get_received()
    live = [e["args"][0] for e in received if e["name"] == "notification"]
    assert [(n["kind"], n["payload"]["message_id"]) for n in live] == [("chat_reply", reply["id"])]
    # The bell's panel says who replied where, in German.
    panel = root_author.get("/notifications/panel").get_data(as_text=True)
    assert f"{replier.user.name} hat in „Unterbringung Süd“ geantwortet" in panel
    assert f'href="/chat/{room.id}"' in panel


def test_earlier_participants_are_told_and_a_reply_to_a_reply_joins_the_thread(
    as_user, make_room, make_message
):
    root_author = as_user("official")
    first = as_user("official")
    second = as_user("official")
    room = make_room(root_author.user, first.user, second.user)
    root = make_message(room, root_author.user, "Frage an alle")
    first_reply = _reply(first, room.id, root.id, "Antwort eins")
    assert [n["kind"] for n in _feed(root_author)] == ["chat_reply"]
    assert _feed(first) == []

    # Answering the first reply answers the thread: its root author and the first
    # replier are told, each once.
    second_reply = _reply(second, room.id, first_reply["id"], "Antwort zwei")
    assert second_reply["reply_to_id"] == root.id
    assert [n["payload"]["message_id"] for n in _feed(root_author)] == [
        first_reply["id"], second_reply["id"]]
    assert [(n["kind"], n["payload"]["message_id"]) for n in _feed(first)] == [
        ("chat_reply", second_reply["id"])]
    assert _feed(second) == []

    # The root author answering in their own thread tells the two repliers.
    third = _reply(root_author, room.id, root.id, "Danke euch")
    assert [n["payload"]["message_id"] for n in _feed(first)][-1] == third["id"]
    assert [n["payload"]["message_id"] for n in _feed(second)] == [third["id"]]
    assert len(_feed(root_author)) == 2


def test_a_mentioned_participant_gets_only_the_mention(thread):
    root_author, replier, room, root = thread

    reply = _reply(replier, room.id, root.id, f"@{root_author.user.name} wir übernehmen.")

    assert [(n["kind"], n["payload"]["message_id"]) for n in _feed(root_author)] == [
        ("chat_mention", reply["id"])]


def test_nobody_outside_the_room_is_told(as_user, make_room, make_message):
    root_author = as_user("official")
    former = as_user("official")
    replier = as_user("official")
    outsider = as_user("official")
    room = make_room(root_author.user, former.user, replier.user)
    root = make_message(room, root_author.user, "Thema")
    make_message(room, former.user, "Ich schaue nach", reply_to=root)
    # The earlier participant has left the room since: what is said there is not theirs.
    db.session.execute(delete(Member).where(Member.room_id == room.id,
                                            Member.user_id == former.user.id))
    db.session.flush()

    _reply(replier, room.id, root.id, f"Neuigkeiten, auch für @{outsider.user.name}")

    assert [n["kind"] for n in _feed(root_author)] == ["chat_reply"]
    assert _feed(former) == []
    assert _feed(outsider) == []


def test_a_muted_room_tells_of_replies_no_longer_but_still_of_mentions(thread):
    root_author, replier, room, root = thread
    muted = root_author.patch(f"/api/v1/rooms/{room.id}/membership", json={"muted": True})
    assert muted.status_code == 200, muted.get_json()

    _reply(replier, room.id, root.id, "Leise Antwort")
    assert _feed(root_author) == []
    mention = _reply(replier, room.id, root.id, f"@{root_author.user.name} bitte lesen")
    assert [(n["kind"], n["payload"]["message_id"]) for n in _feed(root_author)] == [
        ("chat_mention", mention["id"])]


def test_a_message_outside_any_thread_tells_nobody(thread):
    root_author, other, room, _root = thread
    response = other.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Etwas anderes"})
    assert response.status_code == 201
    assert _feed(root_author) == []


def test_a_reply_through_the_socket_notifies_too(as_user, make_room, make_message,
                                                  socket_client):
    root_author = as_user("official")
    replier = as_user("official")
    room = make_room(root_author.user, replier.user)
    root = make_message(room, root_author.user, "Thema")
    sock = socket_client(replier)
    data = {"room_id": room.id, "body": "Per Socket", "reply_to_id": root.id}
    with own_app_context():
        ack = sock.emit("send", data, callback=True)
    assert "id" in ack, ack
    assert [(n["kind"], n["payload"]["message_id"]) for n in _feed(root_author)] == [
        ("chat_reply", ack["id"])]
