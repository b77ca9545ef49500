"""The database rules of the capacity domain: exclusion constraints, trigger-kept
counters, the append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError, IntegrityError

from exchange.capacity.counts import current_counts
from exchange.capacity.models import Bed, CapacityCount, Occupancy, PersonAudit, ShelterRoom
from exchange.errors import conflict_from_integrity_error
from exchange.extensions import db
from tests.capacity.conftest import bed_ids, fresh_free

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _occupy(person_id: int, bed_id: int, start=T0, end=None) -> Occupancy:
    occupancy = Occupancy(person_id=person_id, bed_id=bed_id, period=Range(start, end, bounds="[)"))
    db.session.add(occupancy)
    db.session.flush()
    return occupancy


def _expect_exclusion_violation(action) -> None:
    with pytest.raises(IntegrityError) as error, db.session.begin_nested():
        action()
    assert error.value.orig.sqlstate == "23P01"
    assert conflict_from_integrity_error(error.value).status == 409


def test_a_bed_is_never_in_two_overlapping_occupancies(district, make_shelter, make_person):
    shelter = make_shelter(district)
    bed = bed_ids(shelter)[0]
    first, second = make_person(district), make_person(district)
    _occupy(first.id, bed)
    _expect_exclusion_violation(lambda: _occupy(second.id, bed, T0 + timedelta(days=3)))


def test_a_person_is_never_in_two_beds_at_once(district, make_shelter, make_person):
    shelter = make_shelter(district)
    one, two = bed_ids(shelter)[:2]
    person = make_person(district)
    _occupy(person.id, one, T0, T0 + timedelta(days=10))
    _expect_exclusion_violation(lambda: _occupy(person.id, two, T0 + timedelta(days=9)))


def test_back_to_back_periods_do_not_overlap(district, make_shelter, make_person):
    shelter = make_shelter(district)
    bed = bed_ids(shelter)[0]
    first, second = make_person(district), make_person(district)
    _occupy(first.id, bed, T0, T0 + timedelta(days=5))
    _occupy(second.id, bed, T0 + timedelta(days=5))
    _occupy(first.id, bed_ids(shelter)[1], T0 + timedelta(days=5))


def test_counters_follow_beds_rooms_and_occupancies(district, make_shelter, make_person):
    shelter = make_shelter(district, rooms=[("female", 3, True), ("male", 2)])
    female_beds, male_beds = bed_ids(shelter, "R1"), bed_ids(shelter, "R2")
    counts = current_counts(shelter.id)
    assert (counts.total, counts.blocked, counts.occupied, counts.free) == (5, 0, 0, 5)
    assert counts.by_policy == {"male": 2, "female": 3, "family": 0, "mixed": 0}
    assert counts.free_accessible == 3

    occupancy = _occupy(make_person(district).id, female_beds[0])
    db.session.execute(update(Bed).where(Bed.id == male_beds[0]).values(status="blocked"))
    counts = current_counts(shelter.id)
    assert (counts.total, counts.blocked, counts.occupied, counts.free) == (5, 1, 1, 3)
    assert counts.by_policy == {"male": 1, "female": 2, "family": 0, "mixed": 0}
    assert counts.free_accessible == 2

    # A room that changes policy takes its free beds along.
    db.session.execute(
        update(ShelterRoom)
        .where(ShelterRoom.name == "R1", ShelterRoom.shelter_id == shelter.id)
        .values(policy="family", accessible=False)
    )
    counts = current_counts(shelter.id)
    assert counts.by_policy == {"male": 1, "female": 0, "family": 2, "mixed": 0}
    assert counts.free_accessible == 0

    occupancy.period = Range(T0, T0 + timedelta(days=1), bounds="[)")
    db.session.flush()
    counts = current_counts(shelter.id)
    assert (counts.occupied, counts.free) == (0, 4)
    assert counts.free == fresh_free(shelter.id)


def test_rebuild_recomputes_the_same_counters(district, make_shelter, make_person):
    shelter = make_shelter(district, rooms=[("mixed", 4), ("family", 3, True)])
    _occupy(make_person(district).id, bed_ids(shelter)[0])
    db.session.execute(
        update(Bed)
        .where(Bed.id == bed_ids(shelter)[5])
        .values(status="out_of_service", block_reason="Wasserschaden")
    )
    before = current_counts(shelter.id)
    expected = (
        before.total,
        before.blocked,
        before.occupied,
        before.by_policy,
        before.free_accessible,
    )
    db.session.execute(
        update(CapacityCount)
        .where(CapacityCount.shelter_id == shelter.id)
        .values(total=0, blocked=0, occupied=0, free_mixed=0, free_family=0, free_accessible=0)
    )
    db.session.execute(text("SELECT capacity_counts_rebuild()"))
    after = current_counts(shelter.id)
    assert (
        after.total,
        after.blocked,
        after.occupied,
        after.by_policy,
        after.free_accessible,
    ) == expected
    assert expected[:3] == (7, 1, 1)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE person_audit SET action = 'read'",
        "DELETE FROM person_audit",
        "TRUNCATE person_audit",
    ],
)
def test_the_audit_log_is_append_only(district, make_person, statement):
    person = make_person(district)
    db.session.execute(
        insert(PersonAudit),
        [
            {
                "user_id": None,
                "organization_id": district.id,
                "person_id": person.id,
                "action": "create",
            }
        ],
    )
    with pytest.raises(DBAPIError) as error, db.session.begin_nested():
        db.session.execute(text(statement))
    assert "append-only" in str(error.value.orig)
    assert (
        db.session.scalar(select(PersonAudit.action).where(PersonAudit.person_id == person.id))
        == "create"
    )
