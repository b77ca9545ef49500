"""Factory fixtures of the capacity domain."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select, text

from exchange.capacity import shelters
from exchange.capacity.models import Bed, Person, Shelter, ShelterRoom
from exchange.extensions import db
from exchange.profiles.models import Organization
from tests.dates import day

BERLIN = (52.520008, 13.404954)
_numbers = itertools.count(1)

#: Free beds per shelter counted afresh from beds and occupancies (what the counters and
#: the published listing must always equal).
FRESH_FREE = text(
    """
    SELECT r.shelter_id, count(*) AS free
    FROM beds AS b JOIN rooms AS r ON r.id = b.room_id
    WHERE b.status = 'available'
      AND NOT EXISTS (SELECT 1 FROM occupancies AS o
                      WHERE o.bed_id = b.id AND upper_inf(o.period))
    GROUP BY r.shelter_id
    """
)


def fresh_free(shelter_id: int) -> int:
    return dict(db.session.execute(FRESH_FREE).all()).get(shelter_id, 0)


def bed_ids(shelter: Shelter, room_name: str | None = None) -> list[int]:
    stmt = (
        select(Bed.id)
        .join(ShelterRoom)
        .where(ShelterRoom.shelter_id == shelter.id)
        .order_by(Bed.id)
    )
    if room_name is not None:
        stmt = stmt.where(ShelterRoom.name == room_name)
    return list(db.session.scalars(stmt))


@pytest.fixture
def district(make_org) -> Organization:
    return make_org("district")


@pytest.fixture
def make_shelter(app, make_user):
    """make_shelter(org, rooms=[("mixed", 4)], publish=False, reserve_beds=0, lat, lon,
    name=None, actor=None, kind="collective", opens_on=None) → Shelter, made through the
    services (counters, listing)."""

    def make(
        org: Organization,
        rooms: list[tuple] = (("mixed", 4),),
        publish: bool = False,
        reserve_beds: int = 0,
        lat: float = BERLIN[0],
        lon: float = BERLIN[1],
        name: str | None = None,
        actor=None,
        kind: str = "collective",
        opens_on: date | None = None,
    ) -> Shelter:
        actor = actor or make_user(role="caseworker", org=org)
        n = next(_numbers)
        shelter = shelters.create_shelter(
            actor,
            {
                "name": name or f"Unterkunft {n}",
                "kind": kind,
                "opens_on": opens_on,
                "address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
                "location": {"lat": lat, "lon": lon},
                "publish_capacity": publish,
                "reserve_beds": reserve_beds,
            },
            org.id,
        )
        for i, room in enumerate(rooms, start=1):
            policy, beds, *rest = room
            shelters.add_room(
                actor, shelter.id, f"R{i}", policy, accessible=bool(rest and rest[0]), beds=beds
            )
        db.session.flush()
        return shelter

    return make


@pytest.fixture
def make_person(app):
    """make_person(org, gender="f", **columns) → Person, written straight to the table."""

    def make(org: Organization, gender: str = "f", **columns) -> Person:
        n = next(_numbers)
        values = {
            "family_name": f"Family{n}",
            "given_names": f"Given{n}",
            "birth_date": date(1990, 1, 1),
            "nationality": "SYR",
            "languages": ["ar"],
            "arrival_date": day(-300),
        }
        values.update(columns)
        person = Person(organization_id=org.id, gender=gender, **values)
        db.session.add(person)
        db.session.flush()
        return person

    return make


@pytest.fixture
def sides(make_org, make_user, as_user, make_shelter):
    """District B publishes a shelter with 4 free beds; A and C are other districts."""
    a, b, c = make_org("district"), make_org("district"), make_org("district")
    b_official = make_user(role="official", org=b)
    shelter = make_shelter(b, rooms=[("mixed", 4)], publish=True)
    return {
        "a": as_user(role="official", org=a),
        "b": as_user(user=b_official),
        "c": as_user(role="official", org=c),
        "b_official": b_official,
        "shelter": shelter,
        "listing_id": shelter.listing_id,
        "org_a": a,
        "org_b": b,
    }
