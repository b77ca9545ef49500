"""Fixtures of the proposal tests: a district with a caseworker, a household of three
housed in a published shelter, and a landlord's published flat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from exchange.capacity import occupancy
from exchange.capacity.models import Household, Person, Shelter
from exchange.extensions import db
from exchange.listings.models import Listing
from tests.capacity.conftest import bed_ids
from tests.capacity.conftest import make_person as make_person  # noqa: F401  (fixture)
from tests.capacity.conftest import make_shelter as make_shelter  # noqa: F401  (fixture)
from tests.dates import day
from tests.listings.conftest import make_listing as make_listing  # noqa: F401  (fixture)


@dataclass
class Side:
    client: object
    user: object


@dataclass
class World:
    district: object
    caseworker: Side
    landlord: Side
    household: Household
    persons: list[Person]
    shelter: Shelter
    flat: Listing


def _birth(years: int) -> date:
    today = date.today()
    return date(today.year - years, 1, 1)


@pytest.fixture
def world(make_org, make_user, as_user, make_shelter, make_person, make_listing):  # noqa: F811
    return build_world(make_org, make_user, as_user, make_shelter, make_person, make_listing)


def build_world(make_org, make_user, as_user, make_shelter, make_person, make_listing) -> World:
    """The world from the factory fixtures (for tests that need several)."""
    district = make_org("district")
    caseworker = make_user(role="caseworker", org=district, name="Carla Caseworker")
    shelter = make_shelter(district, rooms=[("family", 4)], publish=True, actor=caseworker)
    persons = [
        make_person(district, "f", family_name="Haddad", given_names="Rana",
                    birth_date=_birth(34), languages=["ar", "en"], religion="muslim",
                    health_notes="Diabetes", arrival_date=day(-200)),
        make_person(district, "m", family_name="Haddad", given_names="Omar",
                    birth_date=_birth(36), languages=["ar"], arrival_date=day(-210)),
        make_person(district, "f", family_name="Haddad", given_names="Lina",
                    birth_date=_birth(4), languages=["ar"], arrival_date=day(-200)),
    ]
    household = Household(organization_id=district.id)
    db.session.add(household)
    db.session.flush()
    for person in persons:
        person.household_id = household.id
    db.session.flush()
    for person, bed in zip(persons, bed_ids(shelter), strict=False):
        occupancy.check_in(caseworker, person.id, bed)
    landlord = make_user(role="landlord", name="Lars Landlord")
    flat = make_listing(owner=landlord, title="Wohnung am Markt")
    db.session.flush()
    return World(
        district=district,
        caseworker=Side(as_user(user=caseworker), caseworker),
        landlord=Side(as_user(user=landlord), landlord),
        household=household,
        persons=persons,
        shelter=shelter,
        flat=flat,
    )


def propose(world: World, **extra) -> dict:
    answer = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": world.flat.id, **extra})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
