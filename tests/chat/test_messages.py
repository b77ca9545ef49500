"""Messages: posting, paging, threads, editing, deleting, read state, search,
attachments, export and retention."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from exchange.chat.models import Message, MessageDocument
from exchange.chat.records import purge_expired_messages
from exchange.extensions import db
from exchange.pagination import encode_cursor


def _ids(page: dict) -> list[int]:
    return [m["id"] for m in page["items"]]


def test_post_and_read_messages(as_user, make_user, make_room):
    client = as_user("official")
    room = make_room(client.user, make_user("official"))
    response = client.post(f"/api/v1/rooms/{room.id}/messages",
                           json={"body": "  Wir haben noch 100 Betten frei.  "})
    assert response.status_code == 201, response.get_json()
    message = response.get_json()
    assert message["body"] == "Wir haben noch 100 Betten frei."
    assert message["author"] == {"id": client.user.id, "name": client.user.name}
    assert message["room_id"] == room.id
    assert message["documents"] == [] and message["listing_id"] is None
    assert message["edited_at"] is None and message["deleted_at"] is None
    listed = client.get(f"/api/v1/rooms/{room.id}/messages").get_json()
    assert _ids(listed) == [message["id"]]


def test_empty_message_is_refused(as_user, make_room):
    client = as_user("official")
    room = make_room(client.user)
    response = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "   "})
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]["json"]
    too_long = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "x" * 10_001})
    assert too_long.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_paging_after_before_and_cursor(as_user, make_room, make_message):
    client = as_user("official")
    room = make_room(client.user)
    ids = [make_message(room, client.user).id for _ in range(7)]
    url = f"/api/v1/rooms/{room.id}/messages"
    latest = client.get(f"{url}?limit=3").get_json()
    assert _ids(latest) == ids[-3:]
    older = client.get(f"{url}?limit=3&before={ids[-3]}").get_json()
    assert _ids(older) == ids[1:4]
    after = client.get(f"{url}?limit=3&after={ids[0]}").get_json()
    assert _ids(after) == ids[1:4]
    following = client.get(f"{url}?limit=3&cursor={after['next_cursor']}").get_json()
    assert _ids(following) == ids[4:7]
    assert following["next_cursor"] is None
    assert client.get(f"{url}?after={ids[-1]}").get_json()["items"] == []
    for bad in ("bogus", encode_cursor([True]), encode_cursor([2**40])):
        response = client.get(f"{url}?cursor={bad}")
        assert response.status_code == 422
        assert "cursor" in response.get_json()["errors"]["query"]
    assert client.get(f"{url}?limit=501").status_code == 422


def test_threads(as_user, make_user, make_room, make_message):
    client = as_user("official")
    other = make_user("official")
    room = make_room(client.user, other)
    root = make_message(room, other, "Wer hat Platz für eine Familie?")
    make_message(room, other, "Etwas anderes")
    url = f"/api/v1/rooms/{room.id}/messages"
    reply = client.post(url, json={"body": "Wir!", "reply_to_id": root.id}).get_json()
    assert reply["reply_to_id"] == root.id
    # A reply to a reply joins the same thread.
    nested = client.post(url, json={"body": "Danke", "reply_to_id": reply["id"]}).get_json()
    assert nested["reply_to_id"] == root.id
    thread = client.get(f"{url}?thread={root.id}").get_json()
    assert _ids(thread) == [root.id, reply["id"], nested["id"]]
    elsewhere = make_room(client.user)
    foreign = make_message(elsewhere, client.user)
    response = client.post(url, json={"body": "x", "reply_to_id": foreign.id})
    assert response.status_code == 422 and "reply_to_id" in response.get_json()["errors"]["json"]


def test_edit_own_message_within_the_window(app, as_user, make_user, make_room, login):
    client = as_user("official")
    other = make_user("official")
    room = make_room(client.user, other)
    message = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Ursprung"})
    message_id = message.get_json()["id"]
    edited = client.patch(f"/api/v1/messages/{message_id}", json={"body": "Geändert"})
    assert edited.status_code == 200
    assert edited.get_json()["body"] == "Geändert" and edited.get_json()["edited_at"]
    # Someone else's message: visible but not theirs to edit.
    other_client = login(app.test_client(), other)
    assert other_client.patch(f"/api/v1/messages/{message_id}",
                              json={"body": "Nein"}).status_code == 403
    # Past the window.
    db.session.execute(update(Message).where(Message.id == message_id).values(
        created_at=func.now() - timedelta(seconds=app.config["CHAT_EDIT_WINDOW_SECONDS"] + 1)))
    late = client.patch(f"/api/v1/messages/{message_id}", json={"body": "Zu spät"})
    assert late.status_code == 409
    assert db.session.get(Message, message_id).body == "Geändert"


def test_edit_window_is_configurable(app, as_user, make_room, make_message, monkeypatch):
    monkeypatch.setitem(app.config, "CHAT_EDIT_WINDOW_SECONDS", 0)
    client = as_user("official")
    room = make_room(client.user)
    message = make_message(room, client.user)
    db.session.execute(update(Message).where(Message.id == message.id).values(
        created_at=func.now() - timedelta(seconds=1)))
    assert client.patch(f"/api/v1/messages/{message.id}",
                        json={"body": "x"}).status_code == 409


def test_soft_delete_own_message(app, as_user, make_user, make_room, make_message, login):
    client = as_user("official")
    other = make_user("official")
    room = make_room(client.user, other)
    mine = make_message(room, client.user, "Versehen")
    theirs = make_message(room, other, "Bleibt")
    assert client.delete(f"/api/v1/messages/{theirs.id}").status_code == 403
    assert client.delete(f"/api/v1/messages/{mine.id}").status_code == 204
    listed = client.get(f"/api/v1/rooms/{room.id}/messages").get_json()["items"]
    deleted = next(m for m in listed if m["id"] == mine.id)
    assert deleted["body"] == "" and deleted["deleted_at"] is not None
    assert client.patch(f"/api/v1/messages/{mine.id}", json={"body": "x"}).status_code == 409
    assert client.delete(f"/api/v1/messages/{mine.id}").status_code == 204  # idempotent
    # A deleted message is no longer unread for anyone.
    other_client = login(app.test_client(), other)
    assert other_client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 0


def test_messages_of_rooms_one_is_not_in_are_404(as_user, make_user, make_room, make_message):
    client = as_user("official")
    outsider_room = make_room(make_user("official"))
    message = make_message(outsider_room, outsider_room.members[0].user)
    assert client.get(f"/api/v1/rooms/{outsider_room.id}/messages").status_code == 404
    assert client.post(f"/api/v1/rooms/{outsider_room.id}/messages",
                       json={"body": "x"}).status_code == 404
    assert client.patch(f"/api/v1/messages/{message.id}", json={"body": "x"}).status_code == 404
    assert client.delete(f"/api/v1/messages/{message.id}").status_code == 404
    assert client.post(f"/api/v1/rooms/{outsider_room.id}/read",
                       json={"message_id": message.id}).status_code == 404
    assert client.get("/api/v1/rooms/2147483647/messages").status_code == 404
    assert client.delete("/api/v1/messages/2147483647").status_code == 404


def test_read_watermark_never_moves_back(as_user, make_user, make_room, make_message):
    client = as_user("official")
    other = make_user("official")
    room = make_room(client.user, other)
    ids = [make_message(room, other).id for _ in range(4)]
    url = f"/api/v1/rooms/{room.id}/read"
    assert client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 4
    assert client.post(url, json={"message_id": ids[2]}).status_code == 204
    assert client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 1
    assert client.post(url, json={"message_id": ids[0]}).status_code == 204
    view = client.get(f"/api/v1/rooms/{room.id}").get_json()
    assert view["last_read_message_id"] == ids[2] and view["unread"] == 1
    foreign = make_message(make_room(other), other)
    response = client.post(url, json={"message_id": foreign.id})
    assert response.status_code == 422 and "message_id" in response.get_json()["errors"]["json"]


def test_posting_reads_up_to_ones_own_message(as_user, make_user, make_room, make_message):
    client = as_user("official")
    other = make_user("official")
    room = make_room(client.user, other)
    make_message(room, other)
    client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Gelesen"})
    assert client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 0


@pytest.fixture
def search_rooms(as_user, make_user, make_room):
    """(client, other, mine, theirs): an official's room with another official, and a
    room of the other's that the official may not read."""
    client = as_user("official")
    other = make_user("official")
    return client, other, make_room(client.user, other), make_room(other)


def test_search_finds_german_word_forms_in_readable_rooms_only(search_rooms, make_message):
    client, other, mine, theirs = search_rooms
    hit = make_message(mine, other, "Wir suchen Unterkünfte für drei Familien.")
    make_message(mine, other, "Nichts Passendes hier.")
    make_message(theirs, other, "Unterkunft in Melle frei.")  # not readable for me
    deleted = make_message(mine, client.user, "Unterkunft vergeben")
    client.delete(f"/api/v1/messages/{deleted.id}")
    found = client.get("/api/v1/chat/search?q=Unterkunft").get_json()
    assert _ids(found) == [hit.id]
    assert found["items"][0]["rank"] > 0
    # And the other way round: the plural finds the singular.
    singular = make_message(mine, other, "Eine Unterkunft in Bramsche.")
    both = client.get("/api/v1/chat/search?q=Unterkünfte").get_json()
    assert set(_ids(both)) == {hit.id, singular.id}
    assert client.get("/api/v1/chat/search?q=Familie").get_json()["items"][0]["id"] == hit.id
    assert client.get(f"/api/v1/chat/search?q=Unterkunft&room_id={theirs.id}").get_json()[
        "items"] == []
    assert client.get("/api/v1/chat/search").status_code == 422


def test_search_finds_parts_of_compounds_in_readable_rooms_only(search_rooms, make_message):
    client, other, mine, theirs = search_rooms
    whole = make_message(mine, other, "Die Kaution ist bezahlt.")
    part = make_message(mine, other, "Wer übernimmt die Mietkaution?")
    plural = make_message(mine, other, "Bürgschaften der Gemeinde liegen vor.")
    make_message(mine, other, "Auktion und Kautschuk.")
    make_message(theirs, other, "Mietkaution für Familie K.")  # not readable for me
    found = client.get("/api/v1/chat/search?q=Kaution").get_json()
    assert _ids(found) == [whole.id, part.id]
    assert found["items"][0]["rank"] > 0
    assert _ids(client.get("/api/v1/chat/search?q=Bürgschaft").get_json()) == [plural.id]
    assert client.get(f"/api/v1/chat/search?q=Kaution&room_id={theirs.id}").get_json()[
        "items"] == []


def test_search_ranks_and_pages(as_user, make_room, make_message):
    client = as_user("official")
    room = make_room(client.user)
    weak = make_message(room, client.user, "Betten gibt es, sonst nichts weiter dazu.")
    strong = make_message(room, client.user, "Betten, Betten, Betten frei!")
    first = client.get("/api/v1/chat/search?q=Bett&limit=1").get_json()
    assert _ids(first) == [strong.id]
    rest = client.get(f"/api/v1/chat/search?q=Bett&limit=1&cursor={first['next_cursor']}")
    assert _ids(rest.get_json()) == [weak.id]


def _upload(client, name: str = "plan.txt", content: bytes = b"Belegungsplan\n") -> int:
    response = client.post("/api/v1/documents", data={"file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_attachments_readable_by_room_members_only(app, as_user, make_user, make_room, login):
    client = as_user("official")
    member = make_user("official")
    outsider = make_user("official")
    room = make_room(client.user, member)
    document_id = _upload(client)
    member_client = login(app.test_client(), member)
    outsider_client = login(app.test_client(), outsider)
    assert member_client.get(f"/api/v1/documents/{document_id}").status_code == 404
    message = client.post(f"/api/v1/rooms/{room.id}/messages",
                          json={"body": "Anbei", "document_ids": [document_id]}).get_json()
    assert [d["id"] for d in message["documents"]] == [document_id]
    assert member_client.get(f"/api/v1/documents/{document_id}/content").status_code == 200
    assert outsider_client.get(f"/api/v1/documents/{document_id}").status_code == 404
    # Nobody gains a document by attaching its id.
    stolen = outsider_client.post(
        f"/api/v1/rooms/{make_room(outsider).id}/messages",
        json={"body": "x", "document_ids": [document_id]})
    assert stolen.status_code == 422 and "document_ids" in stolen.get_json()["errors"]["json"]
    # Deleting the message withdraws the document from the room.
    assert client.delete(f"/api/v1/messages/{message['id']}").status_code == 204
    assert member_client.get(f"/api/v1/documents/{document_id}").status_code == 404
    assert client.get(f"/api/v1/documents/{document_id}").status_code == 200  # the uploader


def test_message_may_share_a_listing(as_user, make_user, make_room, make_listing):
    client = as_user("official")
    room = make_room(client.user)
    landlord = make_user("landlord")
    published = make_listing(landlord)
    draft = make_listing(landlord, status="draft")
    ok = client.post(f"/api/v1/rooms/{room.id}/messages", json={"listing_id": published.id})
    assert ok.status_code == 201 and ok.get_json()["listing_id"] == published.id
    hidden = client.post(f"/api/v1/rooms/{room.id}/messages", json={"listing_id": draft.id})
    assert hidden.status_code == 422 and "listing_id" in hidden.get_json()["errors"]["json"]


def test_export_for_owners_and_platform_admins(
    app, as_user, make_user, make_room, make_message, login
):
    client = as_user("official")
    member = make_user("official")
    room = make_room(client.user, member)
    document_id = _upload(client)
    client.post(f"/api/v1/rooms/{room.id}/messages",
                json={"body": "Protokoll", "document_ids": [document_id]})
    make_message(room, member, "Antwort")
    response = client.get(f"/api/v1/rooms/{room.id}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    export = response.get_json()
    assert export["room"]["id"] == room.id
    assert {m["user_id"] for m in export["members"]} == {client.user.id, member.id}
    assert [m["body"] for m in export["messages"]] == ["Protokoll", "Antwort"]
    assert export["messages"][0]["documents"][0]["id"] == document_id
    member_client = login(app.test_client(), member)
    assert member_client.get(f"/api/v1/rooms/{room.id}/export").status_code == 403
    admin = as_user(admin=True)
    assert admin.get(f"/api/v1/rooms/{room.id}/export").status_code == 200
    outsider = as_user("official")
    assert outsider.get(f"/api/v1/rooms/{room.id}/export").status_code == 404


def test_purge_deletes_messages_past_their_rooms_retention(
    app, as_user, make_room, make_message, documents_dir
):
    client = as_user("official")
    kept_forever = make_room(client.user)
    short = make_room(client.user, retention_days=7)
    old_forever = make_message(kept_forever, client.user)
    old = make_message(short, client.user)
    reply = make_message(short, client.user, reply_to=old)
    fresh = make_message(short, client.user)
    document_id = _upload(client)
    db.session.add(MessageDocument(message_id=old.id, document_id=document_id))
    db.session.execute(update(Message).where(Message.id.in_([old_forever.id, old.id])).values(
        created_at=func.now() - timedelta(days=8)))
    with app.test_request_context():
        assert purge_expired_messages() == 1
    remaining = set(db.session.scalars(select(Message.id)))
    assert remaining == {old_forever.id, reply.id, fresh.id}
    assert db.session.scalar(select(func.count()).select_from(MessageDocument)) == 0
    db.session.expire_all()
    assert db.session.get(Message, reply.id).reply_to_id is None


def test_purge_chat_command(run, make_user, make_room, make_message):
    """`exchange purge-chat`, run as from a shell (see `run` in tests/conftest.py)."""
    user = make_user("official")
    room = make_room(user, retention_days=1)
    expired, kept = make_message(room, user), make_message(room, user)
    db.session.execute(update(Message).where(Message.id == expired.id).values(
        created_at=func.now() - timedelta(days=2)))
    db.session.commit()
    result = run("purge-chat")
    assert result.exit_code == 0, result.output
    assert "Deleted 1 chat message" in result.output
    assert list(db.session.scalars(select(Message.id))) == [kept.id]
