"""Who sees which listing, and how exactly (API.md, "Who sees what"): one test per rule."""

from __future__ import annotations

import math

import pytest

from exchange.extensions import db
from exchange.profiles.models import Membership

SPOT = (52.123456, 8.123456)


def _get(client, listing):
    return client.get(f"/api/v1/listings/{listing.id}")


def _search_ids(client, query: str = "") -> set[int]:
    response = client.get(f"/api/v1/listings?limit=500{query}")
    assert response.status_code == 200
    return {item["id"] for item in response.get_json()["items"]}


@pytest.mark.parametrize("role", ["official", "caseworker", "admin"])
def test_published_listings_are_visible_to_staff_of_any_verified_organisation(
    as_user, make_listing, make_org, role
):
    listing = make_listing()
    client = as_user(role=role, org=make_org("municipality"))
    assert _get(client, listing).status_code == 200
    assert listing.id in _search_ids(client)


def test_staff_of_an_unverified_organisation_see_nothing_of_others(as_user, make_listing, make_org):
    listing = make_listing()
    client = as_user(role="official", org=make_org("district", verified=False))
    assert _get(client, listing).status_code == 404
    assert listing.id not in _search_ids(client)


def test_a_landlord_sees_own_listings_only(as_user, make_listing):
    landlord = as_user(role="landlord")
    own = make_listing(owner=landlord.user)
    other = make_listing()
    assert _get(landlord, own).status_code == 200
    assert _get(landlord, other).status_code == 404
    assert _search_ids(landlord) == {own.id}


def test_a_landlord_never_reaches_another_landlords_listing_by_id(as_user, make_listing):
    listing = make_listing()
    intruder = as_user(role="landlord")
    url = f"/api/v1/listings/{listing.id}"
    # The same answer as for an id that does not exist, for reading and for writing.
    assert intruder.get(url).status_code == 404
    assert intruder.get("/api/v1/listings/2147483647").status_code == 404
    assert intruder.patch(url, json={"title": "mine"}).status_code == 404
    assert intruder.post(f"{url}/withdraw").status_code == 404


def test_drafts_only_for_the_owner_and_the_owning_organisation(as_user, make_listing, make_user):
    owner = make_user(role="official")
    district = owner.memberships[0].organization
    draft = make_listing(kind="beds", owner=owner, status="draft")
    assert _get(as_user(user=owner), draft).status_code == 200
    colleague = as_user(role="caseworker", org=district)
    assert _get(colleague, draft).status_code == 200
    assert draft.id in _search_ids(colleague, "&status=draft")
    stranger = as_user(role="official")
    assert _get(stranger, draft).status_code == 404
    assert draft.id not in _search_ids(stranger, "&status=draft")


@pytest.mark.parametrize("status", ["let", "withdrawn", "expired"])
def test_listings_off_the_market_are_for_the_owning_side_only(as_user, make_listing, status):
    landlord = as_user(role="landlord")
    listing = make_listing(owner=landlord.user, status=status)
    assert _get(landlord, listing).status_code == 200
    assert _get(as_user(role="official"), listing).status_code == 404


def test_reserved_listings_stay_visible_to_staff(as_user, make_listing):
    listing = make_listing(status="reserved")
    official = as_user(role="official")
    assert _get(official, listing).status_code == 200
    assert listing.id in _search_ids(official, "&status=reserved")


def test_officials_see_the_exact_address_and_the_contact(as_user, make_listing, make_user):
    owner = make_user(role="landlord", name="Vera Vermieter")
    listing = make_listing(owner=owner, lat=SPOT[0], lon=SPOT[1])
    body = _get(as_user(role="official"), listing).get_json()
    assert body["address"]["street"] == "Unter den Linden 1"
    assert body["location"] == {"lat": SPOT[0], "lon": SPOT[1]}
    assert body["location_precision"] == "exact"
    assert body["contact"] == {"name": "Vera Vermieter", "email": owner.email, "phone": ""}


@pytest.mark.parametrize("role", ["caseworker", "admin"])
def test_other_staff_get_the_location_rounded_to_about_500_m_and_no_street(
    as_user, make_listing, role
):
    listing = make_listing(lat=SPOT[0], lon=SPOT[1])
    body = _get(as_user(role=role), listing).get_json()
    assert body["address"] == {"street": None, "postal_code": "10117", "city": "Berlin"}
    assert "contact" not in body
    assert body["location_precision"] == "approximate"
    lat, lon = body["location"]["lat"], body["location"]["lon"]
    metres = math.hypot(
        (lat - SPOT[0]) * 111_320, (lon - SPOT[1]) * 111_320 * math.cos(math.radians(SPOT[0]))
    )
    assert 0 < metres <= 360  # within half a 500 m cell's diagonal, never exact
    # Every listing in that cell shows the same point: nothing to average out.
    neighbour = make_listing(lat=SPOT[0] + 0.0002, lon=SPOT[1] - 0.0002)
    other = _get(as_user(role=role), neighbour).get_json()
    assert other["location"] == body["location"]


def test_the_rounded_view_holds_in_search_and_geojson_too(as_user, make_listing):
    listing = make_listing(lat=SPOT[0], lon=SPOT[1])
    caseworker = as_user(role="caseworker")
    (item,) = caseworker.get("/api/v1/listings").get_json()["items"]
    assert item["address"]["street"] is None and item["location"] != {
        "lat": SPOT[0],
        "lon": SPOT[1],
    }
    geo = caseworker.get("/api/v1/listings?format=geojson").get_json(force=True)
    assert geo["features"][0]["geometry"]["coordinates"] != [SPOT[1], SPOT[0]]
    # Distances are given in half kilometres only.
    near = caseworker.get(f"/api/v1/listings?near={SPOT[0]},{SPOT[1] + 0.01}").get_json()
    assert near["items"][0]["distance_km"] in (0.5, 1.0) and listing.id


def test_the_owner_side_sees_everything_exactly(as_user, make_listing, make_user):
    owner = make_user(role="landlord")
    listing = make_listing(owner=owner, lat=SPOT[0], lon=SPOT[1])
    colleague = make_user()
    db.session.add(
        Membership(
            user_id=colleague.id,
            organization_id=listing.organization_id,
            role="landlord",
            status="active",
        )
    )
    db.session.flush()
    for user in (owner, colleague):
        body = _get(as_user(user=user), listing).get_json()
        assert body["address"]["street"] == "Unter den Linden 1"
        assert body["location"] == {"lat": SPOT[0], "lon": SPOT[1]}


def test_a_pending_membership_gives_no_sight(as_user, make_listing, make_user, make_org):
    listing = make_listing()
    pending = make_user(role="official", org=make_org("district"), status="pending")
    assert _get(as_user(user=pending), listing).status_code == 404
