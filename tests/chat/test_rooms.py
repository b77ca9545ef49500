"""Rooms: creating, the one direct room per pair, listing with unread counts, joining,
adding members, settings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from exchange.chat.models import Member, Room
from exchange.chat.rooms import do_create_room
from exchange.extensions import db


def test_official_opens_a_group_with_members(as_user, make_user):
    client = as_user("official")
    colleague = make_user("caseworker")
    response = client.post("/api/v1/rooms", json={
        "name": "Unterbringung Nord", "kind": "group", "visibility": "private",
        "member_ids": [colleague.id], "topic": "Wöchentliche Abstimmung"})
    assert response.status_code == 201, response.get_json()
    room = response.get_json()
    assert room["name"] == "Unterbringung Nord"
    assert room["kind"] == "group" and room["visibility"] == "private"
    assert room["role"] == "owner" and room["unread"] == 0
    members = client.get(f"/api/v1/rooms/{room['id']}/members").get_json()
    assert {m["user_id"]: m["role"] for m in members} == {
        client.user.id: "owner", colleague.id: "member"}


def test_room_needs_a_name_and_known_members(as_user):
    client = as_user("official")
    response = client.post("/api/v1/rooms", json={"kind": "group", "member_ids": []})
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]["json"]
    response = client.post("/api/v1/rooms", json={"name": "x", "kind": "group",
                                                  "member_ids": [2_000_000_000]})
    assert response.status_code == 422
    assert "member_ids" in response.get_json()["errors"]["json"]
    response = client.post("/api/v1/rooms", json={"name": "x", "kind": "hall"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Room)) == 0


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/rooms").status_code == 401
    assert client.post("/api/v1/rooms", json={"name": "x", "kind": "group"}).status_code == 401


def test_direct_room_exists_once_per_pair(as_user, make_user, login, app):
    client = as_user("official")
    other = make_user("caseworker")
    first = client.post("/api/v1/rooms", json={"kind": "direct", "member_ids": [other.id]})
    assert first.status_code == 201
    again = client.post("/api/v1/rooms", json={"kind": "direct", "member_ids": [other.id]})
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    # The other side asking for it gets the same room.
    other_client = login(app.test_client(), other)
    reverse = other_client.post("/api/v1/rooms",
                                json={"kind": "direct", "member_ids": [client.user.id]})
    assert reverse.status_code == 200 and reverse.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Room)) == 1


def test_direct_room_rules(as_user, make_user):
    client = as_user("official")
    a, b = make_user("official"), make_user("official")
    for body, field in [
        ({"kind": "direct", "member_ids": [a.id, b.id]}, "member_ids"),
        ({"kind": "direct", "member_ids": []}, "member_ids"),
        ({"kind": "direct", "member_ids": [client.user.id]}, "member_ids"),
        ({"kind": "direct", "member_ids": [a.id], "visibility": "network"}, "visibility"),
    ]:
        response = client.post("/api/v1/rooms", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"]["json"]


def test_direct_room_race_makes_one_room(app, make_user, no_transaction):
    """Two requests for the same pair at once (real commits): one room."""
    with app.app_context():
        first, second = make_user("official"), make_user("official")
        db.session.commit()
        ids = (first.id, second.id)
    try:
        def open_room(actor_id: int, other_id: int) -> int:
            with app.app_context():
                actor = db.session.get(type(first), actor_id)
                room, _created = do_create_room(actor, "direct", [other_id])
                db.session.commit()
                return room.id

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda pair: open_room(*pair),
                                    [ids, ids[::-1], ids, ids[::-1]]))
        assert len(set(results)) == 1
    finally:
        with app.app_context():
            for room in db.session.scalars(select(Room).where(
                    Room.direct_key == f"{min(ids)}:{max(ids)}")):
                db.session.delete(room)
            for user_id in ids:
                user = db.session.get(type(first), user_id)
                organizations = [m.organization for m in user.memberships]
                for membership in user.memberships:
                    db.session.delete(membership)
                db.session.delete(user)
                db.session.flush()
                for organization in organizations:
                    db.session.delete(organization)
            db.session.commit()


def test_my_rooms_with_unread_counts(as_user, make_user, make_room, make_message):
    client = as_user("official")
    me = client.user
    other = make_user("official")
    quiet = make_room(me, other)
    busy = make_room(me, other)
    make_message(busy, me)  # one's own messages are never unread (nor what came before)
    for _ in range(3):
        make_message(busy, other)
    make_room(other)  # not mine
    page = client.get("/api/v1/rooms").get_json()
    unread = {room["id"]: room["unread"] for room in page["items"]}
    assert unread == {quiet.id: 0, busy.id: 3}
    assert page["next_cursor"] is None


def test_rooms_page_by_cursor(as_user, make_room):
    client = as_user("official")
    made = [make_room(client.user).id for _ in range(5)]
    first = client.get("/api/v1/rooms?limit=2").get_json()
    assert [r["id"] for r in first["items"]] == made[:2]
    rest = client.get(f"/api/v1/rooms?limit=10&cursor={first['next_cursor']}").get_json()
    assert [r["id"] for r in rest["items"]] == made[2:]


def test_join_a_network_room(as_user, make_user, make_room):
    client = as_user("caseworker")
    owner = make_user("official")
    network = make_room(owner, visibility="network", kind="channel")
    private = make_room(owner)
    joinable = client.get("/api/v1/rooms?scope=network").get_json()["items"]
    assert [r["id"] for r in joinable] == [network.id]
    assert client.get(f"/api/v1/rooms/{network.id}").status_code == 200
    # Not a member yet: no messages.
    assert client.get(f"/api/v1/rooms/{network.id}/messages").status_code == 404
    response = client.post(f"/api/v1/rooms/{network.id}/join")
    assert response.status_code == 200 and response.get_json()["role"] == "member"
    assert client.post(f"/api/v1/rooms/{network.id}/join").status_code == 200  # idempotent
    assert client.get(f"/api/v1/rooms/{network.id}/messages").status_code == 200
    assert client.post(f"/api/v1/rooms/{private.id}/join").status_code == 404
    assert client.get(f"/api/v1/rooms/{private.id}").status_code == 404


def test_joining_starts_with_history_read(as_user, make_user, make_room, make_message):
    client = as_user("official")
    owner = make_user("official")
    room = make_room(owner, visibility="network", kind="channel")
    make_message(room, owner)
    client.post(f"/api/v1/rooms/{room.id}/join")
    assert client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 0
    make_message(room, owner)
    assert client.get(f"/api/v1/rooms/{room.id}").get_json()["unread"] == 1


def test_member_adds_someone(as_user, make_user, make_room):
    client = as_user("official")
    room = make_room(client.user)
    newcomer = make_user("caseworker")
    response = client.post(f"/api/v1/rooms/{room.id}/members", json={"user_id": newcomer.id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user_id"] == newcomer.id
    again = client.post(f"/api/v1/rooms/{room.id}/members", json={"user_id": newcomer.id})
    assert again.status_code == 409
    unknown = client.post(f"/api/v1/rooms/{room.id}/members", json={"user_id": 2_000_000_000})
    assert unknown.status_code == 422
    assert db.session.scalar(
        select(func.count()).select_from(Member).where(Member.room_id == room.id)) == 2


def test_non_member_cannot_add(as_user, make_user, make_room):
    client = as_user("official")
    room = make_room(make_user("official"))
    response = client.post(f"/api/v1/rooms/{room.id}/members",
                           json={"user_id": client.user.id})
    assert response.status_code == 404


def test_no_third_member_in_a_direct_room(as_user, make_user, make_room):
    client = as_user("official")
    room = make_room(client.user, make_user("official"), kind="direct")
    response = client.post(f"/api/v1/rooms/{room.id}/members",
                           json={"user_id": make_user("official").id})
    assert response.status_code == 409


def test_owner_renames_and_sets_retention(as_user, make_user, make_room, login, app):
    client = as_user("official")
    member = make_user("official")
    room = make_room(client.user, member)
    response = client.patch(f"/api/v1/rooms/{room.id}", json={
        "name": "Neu", "topic": "Thema", "retention_days": 30})
    assert response.status_code == 200
    assert response.get_json()["retention_days"] == 30
    assert response.get_json()["topic"] == "Thema"
    other = login(app.test_client(), member)
    assert other.patch(f"/api/v1/rooms/{room.id}", json={"name": "Nein"}).status_code == 403
    bad = client.patch(f"/api/v1/rooms/{room.id}", json={"retention_days": 0})
    assert bad.status_code == 422


def test_mute_a_room(as_user, make_room):
    client = as_user("official")
    room = make_room(client.user)
    response = client.patch(f"/api/v1/rooms/{room.id}/membership", json={"muted": True})
    assert response.status_code == 200 and response.get_json()["muted"] is True
