"""Requesting a listing shared in chat: reserve, open the room with the poster and share the
listing there, all in one transaction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from exchange.chat.listing_requests import do_request_listing
from exchange.chat.models import Member, Message, Room
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.notifications.models import Notification
from tests.conftest import own_app_context

SHARED = "Wir haben noch 100 Betten über — kann die jemand gebrauchen?"


def _share(client, room, listing, body=SHARED):
    response = client.post(f"/api/v1/rooms/{room.id}/messages",
                           json={"body": body, "listing_id": listing.id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_request_reserves_opens_the_direct_room_and_shares_the_listing(
    as_user, make_user, make_room, make_listing
):
    poster = as_user("official")
    asker = as_user("official")
    listing = make_listing(poster.user, title="Turnhalle Schinkel")
    channel = make_room(poster.user, asker.user, make_user("official"))
    shared = _share(poster, channel, listing)

    response = asker.post(f"/api/v1/listings/{listing.id}/request",
                          json={"body": "Ich nehme die Betten.", "message_id": shared["id"]})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["listing"]["status"] == "reserved"
    assert answer["room"]["kind"] == "direct"
    assert answer["room"]["peer"] == {"id": poster.user.id, "name": poster.user.name}
    assert answer["message"]["listing_id"] == listing.id
    assert answer["message"]["body"] == "Ich nehme die Betten."
    assert answer["message"]["room_id"] == answer["room"]["id"]

    db.session.expire_all()
    stored = db.session.get(Listing, listing.id)
    assert stored.status == "reserved" and stored.reserved_by_id == asker.user.id
    members = set(db.session.scalars(
        select(Member.user_id).where(Member.room_id == answer["room"]["id"])))
    assert members == {poster.user.id, asker.user.id}
    # The poster sees the new room, its unread message, and a notification.
    rooms = poster.get("/api/v1/rooms").get_json()["items"]
    direct = next(r for r in rooms if r["id"] == answer["room"]["id"])
    assert direct["unread"] == 1 and direct["peer"]["id"] == asker.user.id
    notes = poster.get("/api/v1/notifications").get_json()["items"]
    assert notes[0]["kind"] == "listing_requested"
    assert notes[0]["payload"]["room_id"] == answer["room"]["id"]
    assert notes[0]["payload"]["by"]["id"] == asker.user.id


def test_request_reuses_the_existing_direct_room(as_user, make_listing):
    poster = as_user("official")
    asker = as_user("official")
    first = make_listing(poster.user)
    second = make_listing(poster.user)
    one = asker.post(f"/api/v1/listings/{first.id}/request", json={}).get_json()
    two = asker.post(f"/api/v1/listings/{second.id}/request", json={}).get_json()
    assert one["room"]["id"] == two["room"]["id"]
    assert db.session.scalar(select(func.count()).select_from(Room)) == 1


def test_a_reserved_listing_answers_409_and_changes_nothing(as_user, make_listing):
    poster = as_user("official")
    first = as_user("official")
    second = as_user("official")
    listing = make_listing(poster.user)
    assert first.post(f"/api/v1/listings/{listing.id}/request", json={}).status_code == 201
    rooms_before = db.session.scalar(select(func.count()).select_from(Room))
    messages_before = db.session.scalar(select(func.count()).select_from(Message))

    response = second.post(f"/api/v1/listings/{listing.id}/request", json={"body": "Auch ich"})
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Room)) == rooms_before
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages_before
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).reserved_by_id == first.user.id


def test_nobody_to_ask_rolls_the_reservation_back(as_user, make_listing):
    """An official's own listing (no other owner side) has nobody to ask: 409, still published."""
    official = as_user("official")
    listing = make_listing(official.user)
    response = official.post(f"/api/v1/listings/{listing.id}/request", json={})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "published"


def test_only_officials_request_and_only_what_they_see(as_user, make_user, make_listing):
    poster = as_user("official")
    listing = make_listing(poster.user)
    # Caseworkers sign in with a second factor; the rule is the service's either way.
    with pytest.raises(Forbidden):
        do_request_listing(make_user("caseworker"), listing.id)
    landlord = as_user("landlord")
    assert landlord.post(f"/api/v1/listings/{listing.id}/request", json={}).status_code == 404
    draft = make_listing(poster.user, status="draft")
    official = as_user("official")
    assert official.post(f"/api/v1/listings/{draft.id}/request", json={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "published"


def test_a_message_of_someone_elses_room_is_refused(as_user, make_user, make_room, make_listing):
    poster = as_user("official")
    outsider = as_user("official")
    listing = make_listing(poster.user)
    room = make_room(poster.user, make_user("official"))
    shared = _share(poster, room, listing)
    response = outsider.post(f"/api/v1/listings/{listing.id}/request",
                             json={"message_id": shared["id"]})
    assert response.status_code == 422
    assert "message_id" in response.get_json()["errors"]["json"]
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "published"


def test_a_landlords_flat_opens_a_private_room_about_it(as_user, make_listing):
    """A landlord never takes part in direct rooms: the request opens a private room about
    the listing, which the landlord may read."""
    landlord = as_user("landlord")
    asker = as_user("official")
    listing = make_listing(landlord.user, title="3 Zimmer in Lingen")
    response = asker.post(f"/api/v1/listings/{listing.id}/request", json={"body": "Frei?"})
    assert response.status_code == 201, response.get_json()
    room = response.get_json()["room"]
    assert room["kind"] == "group" and room["visibility"] == "private"
    assert room["listing_id"] == listing.id and room["name"] == "3 Zimmer in Lingen"
    messages = landlord.get(f"/api/v1/rooms/{room['id']}/messages").get_json()["items"]
    assert [m["body"] for m in messages] == ["Frei?"]


def test_the_poster_hears_of_it_live(as_user, make_listing, socket_client):
    poster = as_user("official")
    asker = as_user("official")
    listing = make_listing(poster.user)
    sock = socket_client(poster)
    with own_app_context():
        sock.get_received()
    response = asker.post(f"/api/v1/listings/{listing.id}/request", json={"body": "Hallo"})
    assert response.status_code == 201
    with own_app_context():
        received = sock.get_received()
    names = [event["name"] for event in received]
    assert "notification" in names
    note = next(e for e in received if e["name"] == "notification")["args"][0]
    assert note["kind"] == "listing_requested"
    assert db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == poster.user.id)) == 1


def test_two_officials_at_once_one_wins(app, make_user, make_listing, no_transaction):
    """Concurrency is the database's (real commits, two connections): one reserves and
    gets the room, the other waits on the row lock and gets 409 with nothing written."""
    from exchange.errors import Conflict
    from exchange.profiles.models import User

    with app.app_context():
        poster, first, second = (make_user("official") for _ in range(3))
        listing = make_listing(poster)
        db.session.commit()
        ids = [poster.id, first.id, second.id]
        listing_id = listing.id
    barrier = threading.Barrier(2)
    results: list[str] = []

    def ask(user_id: int) -> None:
        with app.app_context():
            actor = db.session.get(User, user_id)
            barrier.wait()
            try:
                do_request_listing(actor, listing_id, "Ich nehme sie.")
                db.session.commit()
                results.append("reserved")
            except Conflict:
                db.session.rollback()
                results.append("conflict")

    try:
        threads = [threading.Thread(target=ask, args=(user_id,)) for user_id in ids[1:]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(results) == ["conflict", "reserved"]
        with app.app_context():
            assert db.session.scalar(
                select(func.count()).select_from(Message).where(Message.listing_id == listing_id)
            ) == 1
    finally:
        with app.app_context():
            _cleanup(ids, listing_id)


def _cleanup(user_ids: list[int], listing_id: int) -> None:
    from exchange.profiles.models import Membership, Organization, User

    rooms = select(Member.room_id).where(Member.user_id.in_(user_ids))
    db.session.execute(Room.__table__.delete().where(Room.id.in_(rooms)))
    db.session.execute(Listing.__table__.delete().where(Listing.id == listing_id))
    org_ids = list(db.session.scalars(
        select(Membership.organization_id).where(Membership.user_id.in_(user_ids))))
    db.session.execute(User.__table__.delete().where(User.id.in_(user_ids)))
    db.session.execute(Organization.__table__.delete().where(Organization.id.in_(org_ids)))
    db.session.commit()


def test_reserving_through_the_listings_api_tells_the_landlord_and_opens_their_room(
    as_user, make_listing
):
    """The hand-off of "Reservieren" (issue 14): the landlord is notified, their
    notification leads into the conversation with the official, who finds it too."""
    landlord = as_user("landlord")
    official = as_user("official")
    flat = make_listing(owner=landlord.user, title="Dreizimmerwohnung am Hasetor")

    reserved = official.post(f"/api/v1/listings/{flat.id}/reserve")
    assert reserved.status_code == 200, reserved.get_json()
    assert reserved.get_json()["status"] == "reserved"

    (note,) = landlord.get("/api/v1/notifications").get_json()["items"]
    assert note["kind"] == "listing_requested"
    room_id = note["payload"]["room_id"]
    members = set(db.session.scalars(select(Member.user_id).where(Member.room_id == room_id)))
    assert members == {landlord.user.id, official.user.id}
    assert db.session.get(Room, room_id).listing_id == flat.id
    panel = landlord.get("/notifications/panel").get_data(as_text=True)
    assert f'href="/chat/{room_id}"' in panel and "Dreizimmerwohnung am Hasetor" in panel
    assert [r["id"] for r in official.get("/api/v1/rooms").get_json()["items"]] == [room_id]
    assert landlord.get(f"/api/v1/rooms/{room_id}/messages").status_code == 200


def test_a_listing_out_of_reach_is_not_reserved_and_nobody_is_told(as_user, make_listing):
    landlord = as_user("landlord")
    official = as_user("official")
    draft = make_listing(owner=landlord.user, status="draft")
    assert official.post(f"/api/v1/listings/{draft.id}/reserve").status_code == 404
    assert official.post("/api/v1/listings/999999/reserve").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(Room)) == 0
