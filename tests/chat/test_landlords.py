"""Landlords take part only in rooms about their own listings: every call, by id."""

from __future__ import annotations

import io

import pytest

from exchange.extensions import db


@pytest.fixture
def world(app, as_user, make_user, make_room, make_message, make_listing, login):
    """An official, a landlord with a listing room, and rooms the landlord must never see."""
    official = make_user("official")
    landlord = make_user("landlord")
    other_landlord = make_user("landlord")
    own_listing = make_listing(landlord)
    foreign_listing = make_listing(other_landlord)
    listing_room = make_room(official, landlord, listing=own_listing)
    # Rooms the landlord is (wrongly, e.g. by a direct insert) a member of, or not at all.
    staff_room = make_room(official, landlord)
    foreign_room = make_room(official, other_landlord, listing=foreign_listing)
    network_room = make_room(official, kind="channel", visibility="network")
    hidden = {}
    for room in (staff_room, foreign_room, network_room):
        hidden[room.id] = make_message(room, official, "Vertrauliche Unterkunft")
    own_message = make_message(listing_room, official, "Frage zur Unterkunft")
    official_client = login(app.test_client(), official)
    upload = official_client.post(
        "/api/v1/documents", data={"file": (io.BytesIO(b"Vertraulich\n"), "intern.txt")},
        content_type="multipart/form-data").get_json()
    staff_post = official_client.post(f"/api/v1/rooms/{staff_room.id}/messages",
                                      json={"body": "Anhang", "document_ids": [upload["id"]]})
    assert staff_post.status_code == 201
    db.session.flush()
    return {
        "official": official, "landlord": landlord, "other_landlord": other_landlord,
        "own_listing": own_listing, "foreign_listing": foreign_listing,
        "listing_room": listing_room, "staff_room": staff_room, "foreign_room": foreign_room,
        "network_room": network_room, "hidden": hidden, "own_message": own_message,
        "hidden_document": upload["id"], "client": login(app.test_client(), landlord),
        "official_client": official_client,
    }


def test_landlord_sees_only_the_room_about_their_listing(world):
    client = world["client"]
    rooms = client.get("/api/v1/rooms").get_json()["items"]
    assert [r["id"] for r in rooms] == [world["listing_room"].id]
    assert client.get("/api/v1/rooms?scope=network").get_json()["items"] == []
    assert client.get(f"/api/v1/rooms/{world['listing_room'].id}/messages").status_code == 200


@pytest.mark.parametrize("room_name", ["staff_room", "foreign_room", "network_room"])
def test_every_call_on_other_rooms_is_404(world, room_name):
    client = world["client"]
    room_id = world[room_name].id
    message_id = world["hidden"][room_id].id
    calls = [
        ("get", f"/api/v1/rooms/{room_id}", None),
        ("patch", f"/api/v1/rooms/{room_id}", {"name": "x"}),
        ("patch", f"/api/v1/rooms/{room_id}/membership", {"muted": True}),
        ("post", f"/api/v1/rooms/{room_id}/join", None),
        ("get", f"/api/v1/rooms/{room_id}/members", None),
        ("post", f"/api/v1/rooms/{room_id}/members", {"user_id": world["landlord"].id}),
        ("get", f"/api/v1/rooms/{room_id}/messages", None),
        ("get", f"/api/v1/rooms/{room_id}/messages?after=0", None),
        ("get", f"/api/v1/rooms/{room_id}/messages?thread={message_id}", None),
        ("post", f"/api/v1/rooms/{room_id}/messages", {"body": "Hallo"}),
        ("post", f"/api/v1/rooms/{room_id}/read", {"message_id": message_id}),
        ("patch", f"/api/v1/messages/{message_id}", {"body": "x"}),
        ("delete", f"/api/v1/messages/{message_id}", None),
        ("get", f"/api/v1/rooms/{room_id}/export", None),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body) if body else getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.get_json())


def test_search_and_documents_of_other_rooms_stay_hidden(world):
    client = world["client"]
    found = client.get("/api/v1/chat/search?q=Unterkunft").get_json()["items"]
    assert [m["id"] for m in found] == [world["own_message"].id]
    document_id = world["hidden_document"]
    assert client.get(f"/api/v1/documents/{document_id}").status_code == 404
    assert client.get(f"/api/v1/documents/{document_id}/content").status_code == 404
    attach = client.post(f"/api/v1/rooms/{world['listing_room'].id}/messages",
                         json={"body": "x", "document_ids": [document_id]})
    assert attach.status_code == 422


def test_landlord_opens_rooms_only_about_own_listings(world):
    client = world["client"]
    official = world["official"]
    ok = client.post("/api/v1/rooms", json={
        "name": "Wohnung Lotter Straße", "kind": "group", "member_ids": [official.id],
        "listing_id": world["own_listing"].id})
    assert ok.status_code == 201, ok.get_json()
    no_listing = client.post("/api/v1/rooms", json={
        "name": "Allgemein", "kind": "group", "member_ids": [official.id]})
    assert no_listing.status_code == 403
    direct = client.post("/api/v1/rooms", json={"kind": "direct", "member_ids": [official.id]})
    assert direct.status_code == 403
    foreign = client.post("/api/v1/rooms", json={
        "name": "x", "kind": "group", "member_ids": [official.id],
        "listing_id": world["foreign_listing"].id})
    assert foreign.status_code == 422 and "listing_id" in foreign.get_json()["errors"]["json"]


def test_landlords_cannot_be_put_into_other_rooms(world, as_user):
    official_client = world["official_client"]
    landlord = world["landlord"]
    response = official_client.post("/api/v1/rooms", json={
        "name": "Intern", "kind": "group", "member_ids": [landlord.id]})
    assert response.status_code == 422 and "member_ids" in response.get_json()["errors"]["json"]
    response = official_client.post(f"/api/v1/rooms/{world['network_room'].id}/members",
                                    json={"user_id": landlord.id})
    assert response.status_code == 422
    # Another landlord cannot be added to a room about this landlord's listing either.
    response = official_client.post(f"/api/v1/rooms/{world['listing_room'].id}/members",
                                    json={"user_id": world["other_landlord"].id})
    assert response.status_code == 422
    # A room about the landlord's listing can have them.
    response = official_client.post("/api/v1/rooms", json={
        "name": "Zur Wohnung", "kind": "group", "member_ids": [landlord.id],
        "listing_id": world["own_listing"].id})
    assert response.status_code == 201


def test_landlord_socket_never_hears_other_rooms(world, socket_client, app):
    from tests.conftest import own_app_context

    sock = socket_client(world["client"])
    assert sock.is_connected()
    official_client = world["official_client"]
    for room_name in ("staff_room", "foreign_room", "network_room", "listing_room"):
        response = official_client.post(f"/api/v1/rooms/{world[room_name].id}/messages",
                                         json={"body": f"an {room_name}"})
        assert response.status_code == 201
    staff_room_id, listing_room_id = world["staff_room"].id, world["listing_room"].id
    with own_app_context():
        received = sock.get_received()
        hidden_send = sock.emit("send", {"room_id": staff_room_id, "body": "x"}, callback=True)
        sock.emit("typing", {"room_id": staff_room_id})
        own_send = sock.emit("send", {"room_id": listing_room_id, "body": "Antwort"},
                             callback=True)
    bodies = [e["args"]["body"] for e in received if e["name"] == "message"]
    assert bodies == ["an listing_room"]
    assert hidden_send == {"error": "Nicht gefunden."}  # the session's language (de)
    assert own_send["body"] == "Antwort"
