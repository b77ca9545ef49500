"""Socket.IO: `listing` events reach open maps after commit (exact for officials, rounded for
other staff, nothing for other landlords) and `notification` events reach their user."""

from __future__ import annotations

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.conftest import own_app_context
from tests.listings.test_api import FLAT


def _received(sock, name: str) -> list[dict]:
    with own_app_context():
        events = sock.get_received()
    return [event["args"][0] for event in events if event["name"] == name]


def _connect(socket_client, client):
    sock = socket_client(client)
    assert sock.is_connected()
    _received(sock, "listing")  # drop what came with connecting
    return sock


def test_a_published_listing_reaches_every_open_map_after_commit(as_user, socket_client):
    official, caseworker = as_user(role="official"), as_user(role="caseworker")
    owner, other_landlord = as_user(role="landlord"), as_user(role="landlord")
    socks = {
        name: _connect(socket_client, c)
        for name, c in (
            ("official", official),
            ("caseworker", caseworker),
            ("owner", owner),
            ("other", other_landlord),
        )
    }
    created = owner.post("/api/v1/listings", json={**FLAT, "publish": True}).get_json()

    (to_official,) = _received(socks["official"], "listing")
    assert to_official["event"] == "published"
    assert to_official["listing"]["id"] == created["id"]
    assert to_official["listing"]["address"]["street"] == "Am Markt 3"
    assert to_official["listing"]["location"] == FLAT["location"]

    (to_caseworker,) = _received(socks["caseworker"], "listing")
    assert to_caseworker["listing"]["address"]["street"] is None
    assert to_caseworker["listing"]["location"] != FLAT["location"]
    assert "contact" not in to_caseworker["listing"]

    (to_owner,) = _received(socks["owner"], "listing")
    assert to_owner["listing"]["address"]["street"] == "Am Markt 3"
    assert _received(socks["other"], "listing") == []


def test_updates_and_withdrawals_are_announced(as_user, socket_client, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user)
    official = as_user(role="official")
    sock = _connect(socket_client, official)
    owner.patch(f"/api/v1/listings/{listing.id}", json={"title": "Neu"})
    owner.post(f"/api/v1/listings/{listing.id}/withdraw")
    events = _received(sock, "listing")
    assert [(e["event"], e["listing"]["status"]) for e in events] == [
        ("updated", "published"),
        ("withdrawn", "withdrawn"),
    ]
    # Once off the map, its later edits are the owner's business only.
    owner.patch(f"/api/v1/listings/{listing.id}", json={"title": "Später"})
    assert _received(sock, "listing") == []


def test_drafts_are_announced_to_their_owner_only(as_user, socket_client):
    owner = as_user(role="landlord")
    official_sock = _connect(socket_client, as_user(role="official"))
    owner_sock = _connect(socket_client, owner)
    owner.post("/api/v1/listings", json=FLAT)
    assert _received(official_sock, "listing") == []
    (event,) = _received(owner_sock, "listing")
    assert event["listing"]["status"] == "draft"


def test_nothing_is_announced_when_the_change_fails(as_user, socket_client, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user, status="let")
    sock = _connect(socket_client, as_user(role="official"))
    owner_sock = _connect(socket_client, owner)
    assert owner.post(f"/api/v1/listings/{listing.id}/withdraw").status_code == 409
    assert owner.patch(f"/api/v1/listings/{listing.id}", json={"rent_cold": -1}).status_code == 422
    assert _received(sock, "listing") == [] and _received(owner_sock, "listing") == []
    assert db.session.get(Listing, listing.id).status == "let"


def test_a_saved_search_match_is_notified_live(as_user, socket_client):
    official = as_user(role="official")
    saved = official.post(
        "/api/v1/saved-searches",
        json={"name": "Bramsche", "filters": {"bbox": "7.9,52.3,8.1,52.5"}},
    )
    assert saved.status_code == 201
    sock = _connect(socket_client, official)
    _received(sock, "notification")
    landlord = as_user(role="landlord")
    created = landlord.post("/api/v1/listings", json={**FLAT, "publish": True}).get_json()
    (note,) = _received(sock, "notification")
    assert note["kind"] == "saved_search_match"
    assert note["payload"]["listing_id"] == created["id"]
    assert note["payload"]["saved_search_id"] == saved.get_json()["id"]
    assert official.get("/api/v1/notifications").get_json()["items"][0]["id"] == note["id"]


def test_the_map_rooms_carry_no_presence(as_user, socket_client):
    first = _connect(socket_client, as_user(role="official"))
    _received(first, "presence")
    _connect(socket_client, as_user(role="official"))
    assert _received(first, "presence") == []
