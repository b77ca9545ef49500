"""Capacity (shelters, rooms, beds, persons, the registry and its import) only in
organisations whose kind holds it: districts, municipalities, providers. A landlord
company's admin held the case roles and ran shelters and a person registry; a published
`beds` listing of source registry from it appeared on every official's map."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exchange.capacity.models import BedTransfer, Person, Shelter
from exchange.db import point_wkt
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.listings import registry_sync as listings
from exchange.listings.models import Listing
from tests.capacity.test_api import PERSON, SHELTER

NO_CAPACITY = "Unterkünfte und ein Personenregister führen nur Landkreise, Gemeinden und Träger."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def landlord_company(make_org):
    return make_org("landlord")


@pytest.fixture
def company_admin(as_user, landlord_company):
    return as_user("admin", org=landlord_company)


def test_a_landlord_companys_admin_creates_no_shelter(company_admin, landlord_company):
    before = (count(Shelter), count(Listing))
    for body in (SHELTER, {**SHELTER, "organization_id": landlord_company.id}):
        response = company_admin.post("/api/v1/shelters", json=body)
        assert response.status_code == 403
        assert response.get_json()["message"] == NO_CAPACITY
    assert (count(Shelter), count(Listing)) == before


def test_a_landlord_company_keeps_no_person_registry(as_user, company_admin, landlord_company):
    # Its admin may make any member a caseworker: neither keeps persons.
    caseworker = as_user("caseworker", org=landlord_company)
    before = count(Person)
    for client in (company_admin, caseworker):
        for body in (PERSON, {**PERSON, "organization_id": landlord_company.id}):
            response = client.post("/api/v1/persons", json=body)
            assert response.status_code == 403
            assert response.get_json()["message"] == NO_CAPACITY
    assert count(Person) == before
    household = company_admin.post("/api/v1/households", json={
        "organization_id": landlord_company.id, "member_ids": []})
    assert household.status_code == 403, household.get_json()


def test_a_landlord_companys_admin_imports_nothing(company_admin, landlord_company):
    before = count(Person)
    response = company_admin.post(
        "/api/v1/registry/imports",
        data={"organization_id": str(landlord_company.id),
              "file": (io.BytesIO(b"external_id;family_name\nX-1;Haddad\n"), "registry.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert count(Person) == before
    assert company_admin.get("/registry/import").status_code == 404  # nor its page


def test_a_shelter_left_in_a_landlord_company_is_out_of_everyones_reach(
    company_admin, landlord_company
):
    # One made before organisations' kinds were checked: nobody runs or publishes it.
    shelter = Shelter(organization_id=landlord_company.id, name="Pension", kind="collective",
                      street="", postal_code="10115", city="Berlin",
                      location=point_wkt(52.52, 13.40), publish_capacity=True)
    db.session.add(shelter)
    db.session.flush()
    assert company_admin.get(f"/api/v1/shelters/{shelter.id}").status_code == 404
    assert company_admin.get("/api/v1/shelters").get_json()["items"] == []
    room = company_admin.post(f"/api/v1/shelters/{shelter.id}/rooms",
                              json={"name": "1", "policy": "mixed", "beds": 4})
    assert room.status_code == 404
    with pytest.raises(Forbidden, match="Only districts"):
        listings.sync_registry_listing(
            None, organization_id=landlord_company.id, shelter_id=shelter.id,
            values={"title": "Pension", "free_beds": 4}, publish=True)
    assert db.session.scalar(select(Listing).where(Listing.shelter_id == shelter.id)) is None


def test_a_landlord_company_holds_no_beds_by_transfer(company_admin, make_org, make_shelter):
    shelter = make_shelter(make_org("district"), rooms=[("mixed", 4)], publish=True)
    before = count(BedTransfer)
    response = company_admin.post("/api/v1/transfers", json={
        "listing_id": shelter.listing_id, "beds": 2,
        "until": (date.today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 403
    assert count(BedTransfer) == before


@pytest.mark.parametrize("kind", ["district", "municipality", "provider"])
def test_public_bodies_and_providers_still_run_shelters(as_user, make_org, kind):
    organization = make_org(kind)
    admin = as_user("admin", org=organization)
    response = admin.post("/api/v1/shelters", json={**SHELTER,
                                                    "organization_id": organization.id})
    assert response.status_code == 201, response.get_json()
    caseworker = as_user("caseworker", org=organization)
    assert caseworker.post("/api/v1/persons", json={
        **PERSON, "organization_id": organization.id}).status_code == 201
