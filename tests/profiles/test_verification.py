"""Landlord verification: landlords start unverified; officials of a municipality or
district verify or reject them with a reason; listings show whether the owner is verified."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.notifications.models import Notification
from exchange.profiles.models import Organization, User
from tests.listings.test_api import FLAT


@pytest.fixture
def landlord_org(make_org):
    return make_org("landlord", name="Vermietung Sonnenschein", verified=False)


@pytest.fixture
def official(as_user, make_org):
    return as_user(role="official", org=make_org("municipality", name="Stadt Bramsche"))


def _verify(client, org_id: int, decision: str, reason: str | None = None):
    body = {"decision": decision}
    if reason is not None:
        body["reason"] = reason
    return client.post(f"/api/v1/organizations/{org_id}/verify", json=body)


def test_landlords_start_unverified(as_user, client):
    admin = as_user(admin=True)
    made = admin.post("/api/v1/organizations", json={"name": "Wohnbau", "kind": "landlord"})
    assert made.get_json()["verified"] is False
    assert made.get_json()["verification"] is None
    district = admin.post("/api/v1/organizations", json={"name": "LK", "kind": "district"})
    assert district.get_json()["verified"] is True
    assert client.post("/api/v1/auth/register", json={
        "email": "v@test.example", "password": "a-long-password", "name": "Vera"}
    ).status_code == 202
    [membership] = db.session.scalar(select(User).where(User.email == "v@test.example")
                                     ).memberships
    org_id = membership.organization_id
    assert db.session.get(Organization, org_id).verified is False


def test_an_official_verifies_and_the_landlord_is_notified(
    official, landlord_org, make_user, as_user
):
    owner = make_user(role="landlord", org=landlord_org)
    response = _verify(official, landlord_org.id, "verify", "Handelsregister geprüft")
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["verification"]["decision"] == "verify"
    assert body["verification"]["reason"] == "Handelsregister geprüft"
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == owner.id))
    assert notice.kind == "landlord_verified"
    assert notice.payload["organization_id"] == landlord_org.id


def test_rejecting_needs_a_reason_which_only_members_and_staff_see(
    official, landlord_org, make_user, as_user
):
    assert _verify(official, landlord_org.id, "reject").status_code == 422
    response = _verify(official, landlord_org.id, "reject", "Keine Eigentümerschaft belegt")
    assert response.status_code == 200 and response.get_json()["verified"] is False
    owner = as_user(user=make_user(role="landlord", org=landlord_org))
    mine = owner.get(f"/api/v1/organizations/{landlord_org.id}").get_json()
    assert mine["verification"] == {"decision": "reject",
                                    "reason": "Keine Eigentümerschaft belegt",
                                    "decided_at": mine["verification"]["decided_at"]}
    other_landlord = as_user(role="landlord")
    theirs = other_landlord.get(f"/api/v1/organizations/{landlord_org.id}").get_json()
    assert theirs["verification"]["decision"] == "reject"
    assert theirs["verification"]["reason"] is None
    assert _verify(official, landlord_org.id, "maybe", "x").status_code == 422


@pytest.mark.parametrize("role", ["caseworker", "landlord"])
def test_only_officials_verify(as_user, landlord_org, role, make_org):
    client = as_user(role=role, org=make_org("landlord" if role == "landlord" else "district"))
    assert _verify(client, landlord_org.id, "verify").status_code == 403
    assert db.session.get(Organization, landlord_org.id).verified is False


def test_an_official_of_a_state_does_not_verify(as_user, landlord_org, make_org):
    state_official = as_user(role="official", org=make_org("state"))
    assert _verify(state_official, landlord_org.id, "verify").status_code == 403


def test_a_landlord_placed_under_a_municipality_is_verified_from_within_its_reach(
    as_user, make_org
):
    district = make_org("district")
    bramsche = make_org("municipality", parent=district)
    melle = make_org("municipality", parent=district)
    landlord = make_org("landlord", parent=bramsche, verified=False)
    assert _verify(as_user(role="official", org=melle), landlord.id, "verify").status_code == 403
    assert _verify(as_user(role="official", org=district), landlord.id, "verify"
                   ).status_code == 200


def test_only_landlords_are_verified(official, make_org):
    assert _verify(official, make_org("municipality").id, "verify").status_code == 409
    assert _verify(official, 2_000_000_000, "verify").status_code == 404


def test_directory_filters_unverified_organisations(official, landlord_org, make_org):
    make_org("landlord", name="Geprüft GmbH")
    page = official.get("/api/v1/organizations?kind=landlord&verified=false").get_json()
    assert [o["name"] for o in page["items"]] == [landlord_org.name]


def test_officials_see_listings_of_an_unverified_landlord_marked(
    official, landlord_org, make_user, as_user
):
    owner = as_user(user=make_user(role="landlord", org=landlord_org))
    created = owner.post("/api/v1/listings", json={**FLAT, "publish": True})
    assert created.status_code == 201, created.get_json()
    listing_id = created.get_json()["id"]
    assert official.get(f"/api/v1/listings/{listing_id}").get_json()["owner_verified"] is False
    found = official.get("/api/v1/listings?bbox=7,52,9,53").get_json()["items"]
    assert [i["owner_verified"] for i in found if i["id"] == listing_id] == [False]
    _verify(official, landlord_org.id, "verify")
    assert official.get(f"/api/v1/listings/{listing_id}").get_json()["owner_verified"] is True


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_organisation_page_offers_officials_the_decision(official, landlord_org, as_user):
    html = official.get(f"/directory/{landlord_org.id}").get_data(as_text=True)
    assert 'data-testid="verification-status"' in html and 'value="reject"' in html
    response = official.post(f"/directory/{landlord_org.id}/verify", data={
        "decision": "verify", "reason": "", "csrf_token": _csrf(html)})
    assert response.status_code == 302
    assert db.session.get(Organization, landlord_org.id).verified is True
    landlord = as_user(role="landlord")
    html = landlord.get(f"/directory/{landlord_org.id}").get_data(as_text=True)
    assert 'value="reject"' not in html
