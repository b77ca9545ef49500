"""Idempotency-Key (exchange/idempotency.py) and the chat's client_key: a write sent again
after a lost answer gets the first answer back and stores nothing twice."""

from __future__ import annotations

from sqlalchemy import text

from exchange.chat.models import Message
from exchange.extensions import db
from exchange.listings.models import Listing
from tests.chat.test_sockets import _emit, _events

FLAT = {
    "kind": "flat", "title": "Zwei Zimmer am Markt", "description": "Hell.",
    "address": {"street": "Am Markt 3", "postal_code": "49565", "city": "Bramsche"},
    "location": {"lat": 52.4086, "lon": 7.9858}, "rooms": 2, "max_occupants": 3,
    "rent_cold": "400.00", "publish": True,
}
KEY = {"Idempotency-Key": "5d0c3c1e-7f5e-4c1b-9a43-0c6f2f1f1a01"}


def _listings() -> int:
    return db.session.query(Listing).count()


def test_a_repeated_write_gets_the_first_answer_and_writes_once(as_user):
    landlord = as_user("landlord")
    first = landlord.post("/api/v1/listings", json=FLAT, headers=KEY)
    again = landlord.post("/api/v1/listings", json=FLAT, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _listings() == 1
    # Without a key, the same body is another listing (keys are opt-in).
    assert landlord.post("/api/v1/listings", json=FLAT).status_code == 201
    assert _listings() == 2


def test_a_key_reused_for_another_request_is_refused(as_user):
    landlord = as_user("landlord")
    assert landlord.post("/api/v1/listings", json=FLAT, headers=KEY).status_code == 201
    other = landlord.post("/api/v1/listings", json={**FLAT, "rooms": 3}, headers=KEY)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["errors"]["json"]
    assert _listings() == 1


def test_an_unusable_key_is_a_422_naming_the_header(as_user):
    landlord = as_user("landlord")
    for bad in ("", "mit Leerzeichen", "x" * 201, "schlüssel"):
        answer = landlord.post("/api/v1/listings", json=FLAT, headers={"Idempotency-Key": bad})
        assert answer.status_code == 422, bad
        assert "Idempotency-Key" in answer.json["errors"]["json"]
    assert _listings() == 0


def test_a_failed_write_is_not_kept_so_the_corrected_one_goes_through(as_user):
    landlord = as_user("landlord")
    failed = landlord.post("/api/v1/listings", json={**FLAT, "rooms": -1}, headers=KEY)
    assert failed.status_code == 422
    # The same key with the same (bad) body is tried again, not replayed.
    assert landlord.post("/api/v1/listings", json={**FLAT, "rooms": -1},
                         headers=KEY).status_code == 422
    assert _listings() == 0


def test_keys_belong_to_their_user(as_user):
    alice, mallory = as_user("landlord"), as_user("landlord")
    mine = alice.post("/api/v1/listings", json=FLAT, headers=KEY)
    theirs = mallory.post("/api/v1/listings", json=FLAT, headers=KEY)
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json["id"] != mine.json["id"]  # not Alice's answer
    assert "Idempotent-Replayed" not in theirs.headers
    assert _listings() == 2


def test_a_chat_message_sent_again_with_its_client_key_is_stored_once(
        app, as_user, make_user, make_room, socket_client):
    alice = as_user("official")
    room = make_room(alice.user, make_user("official"))
    body = {"body": "Guten Morgen", "client_key": "entwurf-1"}
    posted = alice.post(f"/api/v1/rooms/{room.id}/messages", json=body)
    assert posted.status_code == 201
    again = alice.post(f"/api/v1/rooms/{room.id}/messages", json=body)
    assert again.json["id"] == posted.json["id"]
    ack = _emit(socket_client(alice), "send", {"room_id": room.id, **body})
    assert ack["id"] == posted.json["id"]
    assert db.session.query(Message).filter_by(room_id=room.id).count() == 1
    # Another text with a new key is another message.
    assert alice.post(f"/api/v1/rooms/{room.id}/messages",
                      json={"body": "Noch was", "client_key": "entwurf-2"}).status_code == 201
    assert db.session.query(Message).filter_by(room_id=room.id).count() == 2


def test_a_client_key_belongs_to_its_room_and_sender(as_user, make_user, make_room):
    alice, bob = as_user("official"), as_user("official")
    room = make_room(alice.user, bob.user)
    elsewhere = make_room(alice.user, make_user("official"))
    body = {"body": "Hallo", "client_key": "k-1"}
    assert alice.post(f"/api/v1/rooms/{room.id}/messages", json=body).status_code == 201
    moved = alice.post(f"/api/v1/rooms/{elsewhere.id}/messages", json=body)
    assert moved.status_code == 422 and "client_key" in moved.json["errors"]["json"]
    # Bob's key of the same text is his own message.
    assert bob.post(f"/api/v1/rooms/{room.id}/messages", json=body).status_code == 201
    assert db.session.query(Message).filter_by(room_id=room.id).count() == 2


def test_expired_answers_are_deleted_as_new_ones_come(as_user):
    landlord = as_user("landlord")
    assert landlord.post("/api/v1/listings", json=FLAT, headers=KEY).status_code == 201
    db.session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 s'"))
    # Expired: the same key is a new write, and the old answer is gone.
    again = landlord.post("/api/v1/listings", json=FLAT, headers=KEY)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    other = {"Idempotency-Key": "zweiter-schluessel"}
    db.session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 s'"))
    assert landlord.post("/api/v1/listings", json=FLAT, headers=other).status_code == 201
    keys = db.session.execute(text("SELECT key FROM idempotency_keys")).scalars().all()
    assert keys == ["zweiter-schluessel"]


def test_a_message_sent_again_is_announced_again(as_user, make_room, socket_client):
    """The first send may have been stored by a process that died before telling the room:
    the repeated send tells it (the fault suite's killed process showed the gap)."""
    alice, bob = as_user("official"), as_user("official")
    room = make_room(alice.user, bob.user)
    pane = socket_client(bob)
    body = {"body": "Guten Morgen", "client_key": "entwurf-3"}
    first = alice.post(f"/api/v1/rooms/{room.id}/messages", json=body).json["id"]
    again = alice.post(f"/api/v1/rooms/{room.id}/messages", json=body).json["id"]
    heard = [message["id"] for message in _events(pane, "message")]
    assert first == again and heard == [first, first]
