"""Concurrency is settled by the database (issue 4, point 11). These tests commit for real:
every request runs in its own thread with its own test client, app context, session and
database connection; they clean up what they made."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text

from exchange.capacity import occupancy
from exchange.capacity.models import (
    CapacityCount,
    Household,
    Occupancy,
    Person,
    Shelter,
    ShelterRoom,
)
from exchange.capacity.persons import create_household
from exchange.capacity.shelters import add_room, create_shelter
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles.models import User

# Where the counters and the published figures must end up: counted afresh.
FRESH = text(
    """
    SELECT s.id, s.reserve_beds,
           count(b.id) AS total,
           count(b.id) FILTER (WHERE b.status <> 'available') AS blocked,
           count(o.id) AS occupied,
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL) AS free
    FROM shelters AS s
    JOIN rooms AS r ON r.shelter_id = s.id
    JOIN beds AS b ON b.room_id = r.id
    LEFT JOIN occupancies AS o ON o.bed_id = b.id AND upper_inf(o.period)
    WHERE s.organization_id = :organization_id
    GROUP BY s.id
    """
)


@dataclass
class World:
    organization_id: int
    user_id: int
    headers: dict
    shelter_ids: list[int] = field(default_factory=list)
    bed_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)


def _build(app, make, shelters: int, rooms: list[tuple], persons: int) -> World:
    """A district with a caseworker (API token), published shelters and persons, committed."""
    make_org, make_user, bearer = make
    with app.app_context():
        organization = make_org("district")
        user = make_user(role="caseworker", org=organization)
        world = World(organization.id, user.id, bearer(user))
        for n in range(shelters):
            shelter = create_shelter(
                user,
                {
                    "name": f"Halle {n}",
                    "kind": "collective",
                    "address": {"street": "", "postal_code": "10115", "city": "Berlin"},
                    "location": {"lat": 52.5 + n / 100, "lon": 13.4},
                    "publish_capacity": True,
                    "reserve_beds": n % 3,
                },
                organization.id,
            )
            for i, (policy, beds) in enumerate(rooms):
                room = add_room(user, shelter.id, f"R{i}", policy, beds=beds)
                world.bed_ids += [bed.id for bed in room.beds]
            world.shelter_ids.append(shelter.id)
        for n in range(persons):
            person = Person(organization_id=organization.id, family_name=f"P{n}", gender="x")
            db.session.add(person)
            db.session.flush()
            world.person_ids.append(person.id)
        db.session.commit()
        return world


def _clean(app, world: World) -> None:
    with app.app_context():
        ids = {
            "org": world.organization_id,
            "shelters": world.shelter_ids,
            "persons": world.person_ids,
            "user": world.user_id,
        }
        listing_ids = list(
            db.session.scalars(
                select(Shelter.listing_id).where(
                    Shelter.id.in_(world.shelter_ids), Shelter.listing_id.is_not(None)
                )
            )
        )
        # The audit log refuses deletes; its owner may switch the guard off for a test's
        # own rows, inside this one transaction.
        for statement in (
            "ALTER TABLE person_audit DISABLE TRIGGER person_audit_append_only",
            "DELETE FROM person_audit WHERE organization_id = :org",
            "ALTER TABLE person_audit ENABLE TRIGGER person_audit_append_only",
            "DELETE FROM occupancies WHERE person_id = ANY(:persons)",
            "DELETE FROM persons WHERE id = ANY(:persons)",
            "DELETE FROM households WHERE organization_id = :org",
            "DELETE FROM beds WHERE room_id IN"
            " (SELECT id FROM rooms WHERE shelter_id = ANY(:shelters))",
            "DELETE FROM rooms WHERE shelter_id = ANY(:shelters)",
            "DELETE FROM shelters WHERE id = ANY(:shelters)",
            "DELETE FROM api_tokens WHERE user_id = :user",
            "DELETE FROM memberships WHERE user_id = :user",
            "DELETE FROM users WHERE id = :user",
        ):
            db.session.execute(text(statement), ids)
        db.session.execute(
            text("DELETE FROM listings WHERE id = ANY(:listings)"), {"listings": listing_ids}
        )
        db.session.execute(text("DELETE FROM organizations WHERE id = :org"), ids)
        db.session.commit()


@pytest.fixture
def world_factory(app, no_transaction, make_org, make_user, bearer):
    made: list[World] = []

    def make(**kwargs) -> World:
        world = _build(app, (make_org, make_user, bearer), **kwargs)
        made.append(world)
        return world

    yield make
    for world in made:
        _clean(app, world)


def _post(app, url: str, body: dict, headers: dict, barrier: threading.Barrier | None = None):
    client = app.test_client()
    if barrier is not None:
        barrier.wait()
    response = client.post(url, json=body, headers=headers)
    return response.status_code, response.get_json()


def _check_published_equals_fresh_count(app, world: World) -> None:
    with app.app_context():
        fresh = db.session.execute(FRESH, {"organization_id": world.organization_id}).all()
        assert len(fresh) == len(world.shelter_ids)
        for shelter_id, reserve, total, blocked, occupied, free in fresh:
            counts = db.session.get(CapacityCount, shelter_id)
            assert (counts.total, counts.blocked, counts.occupied, counts.free) == (
                total,
                blocked,
                occupied,
                free,
            )
            listing = db.session.scalar(
                select(Listing)
                .join(Shelter, Shelter.listing_id == Listing.id)
                .where(Shelter.id == shelter_id)
            )
            assert listing.free_beds == max(free - reserve, 0), shelter_id
            assert listing.status == "published"


def test_fifty_requests_for_one_bed_give_one_201(app, world_factory):
    world = world_factory(shelters=1, rooms=[("mixed", 1)], persons=50)
    (bed,) = world.bed_ids
    barrier = threading.Barrier(50)
    started = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        answers = list(
            pool.map(
                lambda person_id: _post(
                    app,
                    "/api/v1/occupancies",
                    {"person_id": person_id, "bed_id": bed},
                    world.headers,
                    barrier,
                ),
                world.person_ids,
            )
        )
    elapsed = time.monotonic() - started
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * 49, [b for s, b in answers if s not in (201, 409)]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Occupancy)
                .where(Occupancy.bed_id == bed, func.upper_inf(Occupancy.period))
            )
            == 1
        )
    _check_published_equals_fresh_count(app, world)
    assert elapsed < 30
    print(f"\n50 parallel check-ins of one bed: {elapsed:.2f} s")


def test_two_hundred_random_concurrent_moves_keep_published_counts_exact(app, world_factory):
    world = world_factory(shelters=4, rooms=[("mixed", 4), ("family", 4)], persons=24)
    rng = random.Random(4)
    with app.app_context():
        user = db.session.get(User, world.user_id)
        beds = rng.sample(world.bed_ids, len(world.person_ids))
        for person_id, bed_id in zip(world.person_ids, beds, strict=True):
            occupancy.check_in(user, person_id, bed_id)
        pairs = [world.person_ids[i : i + 2] for i in range(0, 8, 2)]
        for pair in pairs:
            world.household_ids.append(create_household(user, pair).id)
        db.session.commit()
    singles = world.person_ids[8:]
    moves = []
    for _ in range(200):
        if rng.random() < 0.25:
            body = {
                "household_id": rng.choice(world.household_ids),
                "bed_ids": rng.sample(world.bed_ids, 2),
            }
        else:
            body = {"person_id": rng.choice(singles), "bed_ids": [rng.choice(world.bed_ids)]}
        moves.append(body)

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda body: _post(app, "/api/v1/moves", body, world.headers), moves)
        )
    elapsed = time.monotonic() - started
    unexpected = [(s, b) for s, b in answers if s not in (200, 409)]
    assert unexpected == []
    assert sum(1 for s, _b in answers if s == 200) > 20

    with app.app_context():
        housed = db.session.scalar(
            select(func.count(func.distinct(Occupancy.person_id))).where(
                Occupancy.person_id.in_(world.person_ids), func.upper_inf(Occupancy.period)
            )
        )
        open_ = db.session.scalar(
            select(func.count())
            .select_from(Occupancy)
            .where(Occupancy.person_id.in_(world.person_ids), func.upper_inf(Occupancy.period))
        )
        assert housed == open_ == len(world.person_ids)  # nobody twice, nobody nowhere
        assert db.session.scalar(
            select(func.count())
            .select_from(Household)
            .where(Household.organization_id == world.organization_id)
        ) == len(pairs)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ShelterRoom)
                .where(ShelterRoom.shelter_id.in_(world.shelter_ids))
            )
            == 8
        )
    _check_published_equals_fresh_count(app, world)
    assert elapsed < 30
    print(f"\n200 random concurrent moves (16 threads): {elapsed:.2f} s")
