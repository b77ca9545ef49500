"""The listings REST API: create, edit, the status machine, heartbeat calls, saved searches,
notifications, and bad input that is refused naming the field and writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings.models import Listing, SavedSearch
from exchange.notifications.models import Notification
from exchange.profiles.models import Membership
from tests.dates import iso

FLAT = {
    "kind": "flat",
    "title": "Zwei Zimmer am Markt",
    "description": "Hell, ruhig, Bus vor der Tür.",
    "address": {"street": "Am Markt 3", "postal_code": "49565", "city": "Bramsche"},
    "location": {"lat": 52.4086, "lon": 7.9858},
    "rooms": 2.5,
    "area_m2": 61.5,
    "max_occupants": 4,
    "rent_cold": "540.00",
    "utilities": 160,
    "available_from": iso(30),
    "furnished": False,
    "accessible": True,
    "pets_allowed": False,
}
BEDS = {
    "kind": "beds",
    "title": "Gemeinschaftsunterkunft Nord",
    "address": {"street": "Lagerweg 1", "postal_code": "49074", "city": "Osnabrück"},
    "location": {"lat": 52.2799, "lon": 8.0472},
    "free_beds": 12,
    "beds_by_policy": {"male": 4, "female": 2, "family": 6, "mixed": 0},
    "accessible_beds": 2,
    "valid_until": iso(60),
}


def _count(model=Listing) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_landlord_creates_a_flat_as_a_draft(as_user):
    client = as_user(role="landlord")
    response = client.post("/api/v1/listings", json=FLAT)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["kind"] == "flat"
    assert body["owner_id"] == client.user.id
    assert body["address"] == FLAT["address"]
    assert body["location"] == FLAT["location"] and body["location_precision"] == "exact"
    assert body["rent_cold"] == "540.00" and body["utilities"] == "160.00"
    assert body["rooms"] == 2.5 and body["available_from"] == FLAT["available_from"]
    assert "free_beds" not in body and "source" not in body
    assert body["expires_at"] is None
    assert client.get(f"/api/v1/listings/{body['id']}").get_json() == body


def test_publish_at_once_sets_the_availability_period(app, as_user):
    client = as_user(role="landlord")
    body = client.post("/api/v1/listings", json={**FLAT, "publish": True}).get_json()
    assert body["status"] == "published"
    gap = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["confirmed_at"])
    assert gap == timedelta(days=app.config["LISTING_TTL_DAYS"])


def test_an_official_announces_free_beds(as_user):
    client = as_user(role="official")
    response = client.post("/api/v1/listings", json=BEDS)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["free_beds"] == 12 and body["source"] == "manual"
    assert body["beds_by_policy"] == {"male": 4, "female": 2, "family": 6, "mixed": 0}
    assert "rent_cold" not in body


def test_a_landlord_may_not_announce_beds_and_a_caseworker_creates_nothing(as_user):
    before = _count()
    assert as_user(role="landlord").post("/api/v1/listings", json=BEDS).status_code == 403
    assert as_user(role="caseworker").post("/api/v1/listings", json=FLAT).status_code == 403
    assert _count() == before


def test_with_several_organisations_the_organisation_must_be_named(as_user, make_user, make_org):
    first, second = make_org("district"), make_org("municipality")
    user = make_user(role="official", org=first)
    db.session.add(
        Membership(user_id=user.id, organization_id=second.id, role="official", status="active")
    )
    db.session.flush()
    client = as_user(user=user)
    response = client.post("/api/v1/listings", json=BEDS)
    assert response.status_code == 422
    assert "organization_id" in response.get_json()["errors"]["json"]
    response = client.post("/api/v1/listings", json={**BEDS, "organization_id": second.id})
    assert response.status_code == 201
    assert response.get_json()["organization_id"] == second.id
    other = make_org("district")
    assert (
        client.post("/api/v1/listings", json={**BEDS, "organization_id": other.id}).status_code
        == 403
    )


def test_fields_of_the_other_kind_are_refused_by_name(as_user):
    client = as_user(role="official")
    response = client.post("/api/v1/listings", json={**BEDS, "rent_cold": 100})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors == {"rent_cold": ["Nur für Inserate der Art flat."]}  # the session's de


def test_the_owner_edits_and_others_may_not(as_user, make_listing, make_user):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user)
    response = owner.patch(
        f"/api/v1/listings/{listing.id}",
        json={"title": "Neu", "rent_cold": 600, "address": {"city": "Melle"}},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Neu" and body["rent_cold"] == "600.00"
    assert body["address"]["city"] == "Melle" and body["address"]["street"] == "Unter den Linden 1"
    # Another landlord does not even see it; a caseworker sees it but may not edit.
    assert (
        as_user(role="landlord")
        .patch(f"/api/v1/listings/{listing.id}", json={"title": "x"})
        .status_code
        == 404
    )
    assert (
        as_user(role="caseworker")
        .patch(f"/api/v1/listings/{listing.id}", json={"title": "x"})
        .status_code
        == 403
    )
    assert db.session.get(Listing, listing.id).title == "Neu"


def test_an_official_of_the_owning_organisation_edits(as_user, make_listing, make_user):
    official = make_user(role="official")
    district = official.memberships[0].organization
    colleague = as_user(role="official", org=district)
    listing = make_listing(kind="beds", owner=official)
    response = colleague.patch(f"/api/v1/listings/{listing.id}", json={"free_beds": 3})
    assert response.status_code == 200 and response.get_json()["free_beds"] == 3
    # …but a caseworker of that organisation may not (API.md: owner or official).
    caseworker = as_user(role="caseworker", org=district)
    assert (
        caseworker.patch(f"/api/v1/listings/{listing.id}", json={"free_beds": 1}).status_code == 403
    )


def test_the_status_machine_through_the_api(as_user, make_listing):
    owner = as_user(role="landlord")
    official = as_user(role="official")
    listing = make_listing(owner=owner.user, status="draft")
    url = f"/api/v1/listings/{listing.id}"
    assert owner.post(f"{url}/reserve").status_code == 403  # reserve: officials only
    assert owner.post(f"{url}/let").status_code == 409
    assert owner.post(f"{url}/publish").get_json()["status"] == "published"
    assert owner.post(f"{url}/publish").status_code == 409
    reserved = official.post(f"{url}/reserve")
    assert reserved.status_code == 200 and reserved.get_json()["status"] == "reserved"
    assert owner.post(f"{url}/let").get_json()["status"] == "let"
    response = owner.post(f"{url}/withdraw")
    assert response.status_code == 409
    # in the session's language (de): "Ein Inserat im Status „vermietet“ kann nicht …"
    assert "„vermietet“" in response.get_json()["message"]
    assert db.session.get(Listing, listing.id).status == "let"


def test_withdraw_and_publish_again(as_user, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user)
    url = f"/api/v1/listings/{listing.id}"
    assert owner.post(f"{url}/withdraw").get_json()["status"] == "withdrawn"
    assert owner.post(f"{url}/confirm").status_code == 409
    assert owner.post(f"{url}/publish").get_json()["status"] == "published"


def test_confirm_renews_the_period_and_clears_a_flag(as_user, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(
        owner=owner.user,
        expires_at=utcnow() + timedelta(days=1),
        flagged_at=utcnow(),
        flag_reason="vermietet?",
    )
    body = owner.post(f"/api/v1/listings/{listing.id}/confirm").get_json()
    assert datetime.fromisoformat(body["expires_at"]) > utcnow() + timedelta(days=13)
    assert body["flagged_at"] is None and body["flag_reason"] is None


def test_an_official_flags_and_the_owner_is_asked(as_user, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user)
    assert (
        as_user(role="caseworker")
        .post(f"/api/v1/listings/{listing.id}/flag", json={"reason": "weg"})
        .status_code
        == 403
    )
    official = as_user(role="official")
    response = official.post(
        f"/api/v1/listings/{listing.id}/flag", json={"reason": "Telefonisch: schon vermietet"}
    )
    assert response.status_code == 200
    assert response.get_json()["flag_reason"] == "Telefonisch: schon vermietet"
    notes = owner.get("/api/v1/notifications").get_json()["items"]
    assert [n["kind"] for n in notes] == ["listing_flagged"]
    assert notes[0]["payload"]["listing_id"] == listing.id
    assert notes[0]["payload"]["reason"] == "Telefonisch: schon vermietet"
    # Flagging again does not ask again.
    official.post(f"/api/v1/listings/{listing.id}/flag", json={"reason": "nochmal"})
    assert len(owner.get("/api/v1/notifications").get_json()["items"]) == 1


def test_notifications_are_mine_and_can_be_marked_read(as_user, make_user):
    from exchange.notifications import services as notifications

    client = as_user(role="official")
    other = make_user(role="official")
    mine = [notifications.notify(client.user.id, "test", {"n": n}) for n in range(3)]
    theirs = notifications.notify(other.id, "test", {})
    db.session.flush()
    page = client.get("/api/v1/notifications?limit=2").get_json()
    assert [n["id"] for n in page["items"]] == [mine[2].id, mine[1].id]
    rest = client.get(f"/api/v1/notifications?limit=2&cursor={page['next_cursor']}").get_json()
    assert [n["id"] for n in rest["items"]] == [mine[0].id] and rest["next_cursor"] is None
    read = client.post(f"/api/v1/notifications/{mine[1].id}/read")
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    unread = client.get("/api/v1/notifications?unread=true").get_json()["items"]
    assert [n["id"] for n in unread] == [mine[2].id, mine[0].id]
    assert client.post(f"/api/v1/notifications/{theirs.id}/read").status_code == 404


def test_saved_searches_are_made_listed_and_deleted(as_user):
    client = as_user(role="official")
    area = {
        "type": "Polygon",
        "coordinates": [[[7.9, 52.3], [8.1, 52.3], [8.1, 52.5], [7.9, 52.5], [7.9, 52.3]]],
    }
    response = client.post(
        "/api/v1/saved-searches",
        json={
            "name": "Familien Bramsche",
            "filters": {"kind": "flat", "min_beds": 4, "max_rent": 800, "accessible": True},
            "area": area,
        },
    )
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert saved["filters"] == {
        "kind": "flat",
        "min_beds": 4,
        "max_rent": "800.00",
        "accessible": True,
    }
    assert saved["area"]["type"] == "Polygon"
    assert [s["id"] for s in client.get("/api/v1/saved-searches").get_json()] == [saved["id"]]
    other = as_user(role="official")
    assert other.get("/api/v1/saved-searches").get_json() == []
    assert other.delete(f"/api/v1/saved-searches/{saved['id']}").status_code == 404
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}").status_code == 204
    assert client.get("/api/v1/saved-searches").get_json() == []


def test_landlords_do_not_save_searches(as_user):
    response = as_user(role="landlord").post("/api/v1/saved-searches", json={"name": "x"})
    assert response.status_code == 403


def test_not_signed_in_is_401(client, make_listing):
    listing = make_listing()
    assert client.get("/api/v1/listings").status_code == 401
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 401
    assert client.get("/api/v1/listings/clusters?bbox=5,47,15,55&zoom=5").status_code == 401


# --- bad input: 422 naming the field, nothing written --------------------------------------


@pytest.mark.parametrize(
    ("change", "location", "field"),
    [
        ({"location": {"lat": 91, "lon": 8}}, "json", "location"),
        ({"location": {"lat": 52, "lon": -181}}, "json", "location"),
        ({"rent_cold": -1}, "json", "rent_cold"),
        ({"utilities": "-0.01"}, "json", "utilities"),
        ({"kind": "castle"}, "json", "kind"),
        ({"available_from": "01.12.2026"}, "json", "available_from"),
        ({"available_from": "2026-13-01"}, "json", "available_from"),
        ({"description": "x" * (10 * 1024 * 1024)}, "json", "description"),
        ({"address": {"postal_code": "ABCDE", "city": "X"}}, "json", "address"),
        ({"max_occupants": 0}, "json", "max_occupants"),
        ({"rooms": "NaN"}, "json", "rooms"),
        ({"colour": "blue"}, "json", "colour"),
        (
            {"available_from": "2026-12-01", "available_until": "2026-11-01"},
            "json",
            "available_until",
        ),
    ],
)
def test_bad_input_on_create_names_the_field_and_writes_nothing(as_user, change, location, field):
    client = as_user(role="landlord")
    before = _count()
    response = client.post("/api/v1/listings", json={**FLAT, **change, "publish": True})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"][location]
    assert _count() == before


def test_bad_input_on_edit_names_the_field_and_changes_nothing(as_user, make_listing):
    client = as_user(role="landlord")
    listing = make_listing(owner=client.user)
    for change, field in [
        ({"rent_cold": -5}, "rent_cold"),
        ({"location": {"lat": -100, "lon": 0}}, "location"),
        ({"kind": "beds"}, "kind"),
        ({"available_until": "tomorrow"}, "available_until"),
        ({"free_beds": 3}, "free_beds"),
    ]:
        response = client.patch(f"/api/v1/listings/{listing.id}", json=change)
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"]["json"]
    db.session.expire_all()
    fresh = db.session.get(Listing, listing.id)
    assert str(fresh.rent_cold) == "650.00" and fresh.kind == "flat"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=15,55,5,47", "bbox"),
        ("bbox=5,47,15", "bbox"),
        ("bbox=5,47,200,55", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("near=95,8", "near"),
        ("near=52,8&radius_km=-1", "radius_km"),
        ("radius_km=5", "radius_km"),
        ("sort=distance", "sort"),
        ("kind=castle", "kind"),
        ("available_by=31.12.2026", "available_by"),
        ("max_rent=-1", "max_rent"),
        ("status=sold", "status"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=501", "limit"),
    ],
)
def test_bad_search_parameters_are_422_naming_the_parameter(as_user, query, field):
    response = as_user(role="official").get(f"/api/v1/listings?{query}")
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["query"]


def test_bad_saved_search_names_the_filter_and_writes_nothing(as_user):
    client = as_user(role="official")
    for body, field in [
        ({"name": "x", "filters": {"bbox": "15,55,5,47"}}, "filters"),
        ({"name": "x", "filters": {"kind": "castle"}}, "filters"),
        ({"name": "x", "filters": {"radius_km": 3}}, "filters"),
        ({"name": "x", "area": {"type": "Point", "coordinates": [8, 52]}}, "area"),
        (
            {
                "name": "x",
                "area": {"type": "Polygon", "coordinates": [[[8, 52], [9, 95], [8, 53], [8, 52]]]},
            },
            "area",
        ),
        ({"filters": {}}, "name"),
    ]:
        response = client.post("/api/v1/saved-searches", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["errors"]["json"], response.get_json()
    assert _count(SavedSearch) == 0


def test_a_bad_flag_reason_writes_nothing(as_user, make_listing):
    listing = make_listing()
    client = as_user(role="official")
    response = client.post(f"/api/v1/listings/{listing.id}/flag", json={"reason": ""})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]["json"]
    assert db.session.get(Listing, listing.id).flagged_at is None
    assert _count(Notification) == 0


def test_the_answers_have_the_documented_shape(as_user, make_listing):
    from exchange.listings.schemas import ListingSchema

    documented = set(ListingSchema().fields)
    official = as_user(role="official")
    for listing in (make_listing(), make_listing(kind="beds")):
        body = official.get(f"/api/v1/listings/{listing.id}").get_json()
        assert set(body) <= documented, set(body) - documented
        assert datetime.fromisoformat(body["created_at"]).utcoffset() == timedelta(0)
    spec = official.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/listings/{listing_id}/reserve" in spec["paths"]
    assert "/api/v1/listings/clusters" in spec["paths"]
