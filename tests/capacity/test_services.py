"""Capacity services: occupancy, moves, blocking, publication, placement, retention,
snapshots, organisation totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import Range

from exchange.capacity import counts, occupancy, persons, placement, retention, shelters
from exchange.capacity.models import (
    Activity,
    CapacitySnapshot,
    Occupancy,
    Person,
    PersonAudit,
)
from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.extensions import db
from exchange.listings.models import Listing
from tests import dates
from tests.capacity.conftest import bed_ids, fresh_free


@pytest.fixture
def caseworker(make_user, district):
    return make_user(role="caseworker", org=district)


def _listing(shelter) -> Listing:
    db.session.refresh(shelter)
    return db.session.scalars(
        select(Listing)
        .where(Listing.id == shelter.listing_id)
        .execution_options(populate_existing=True)
    ).one()


def _open_bed(person: Person) -> int | None:
    return occupancy.current_beds([person.id]).get(person.id)


def _actions(person: Person) -> list[str]:
    return list(
        db.session.scalars(
            select(PersonAudit.action)
            .where(PersonAudit.person_id == person.id)
            .order_by(PersonAudit.id)
        )
    )


# --- check-in and check-out ----------------------------------------------------------------


def test_check_in_and_out_keep_counts_and_listing_in_step(
    caseworker, district, make_shelter, make_person
):
    shelter = make_shelter(district, rooms=[("mixed", 3)], publish=True)
    person = make_person(district)
    assert _listing(shelter).free_beds == 3

    stay = occupancy.check_in(caseworker, person.id, bed_ids(shelter)[0])
    assert stay.is_open and _open_bed(person) == bed_ids(shelter)[0]
    assert counts.shelter_capacity(caseworker, shelter.id).free == 2 == fresh_free(shelter.id)
    assert _listing(shelter).free_beds == 2

    occupancy.check_out(caseworker, stay.id)
    assert not stay.is_open and _open_bed(person) is None
    assert _listing(shelter).free_beds == 3 == fresh_free(shelter.id)
    assert _actions(person) == ["check_in", "check_out"]
    with pytest.raises(Conflict):
        occupancy.check_out(caseworker, stay.id)


def test_check_in_refuses_taken_and_blocked_beds_and_housed_persons(
    caseworker, district, make_shelter, make_person
):
    shelter = make_shelter(district, rooms=[("mixed", 3)])
    one, two, three = bed_ids(shelter)
    first, second = make_person(district), make_person(district)
    occupancy.check_in(caseworker, first.id, one)
    with pytest.raises(Conflict) as taken:
        occupancy.check_in(caseworker, second.id, one)
    assert "bed_id" in taken.value.errors["json"]
    with pytest.raises(Conflict) as housed:
        occupancy.check_in(caseworker, first.id, two)
    assert "person_id" in housed.value.errors["json"]
    shelters.set_bed_status(caseworker, three, "blocked", "Schimmel")
    with pytest.raises(Conflict, match="blocked"):
        occupancy.check_in(caseworker, second.id, three)


def test_an_occupied_bed_is_not_blocked(caseworker, district, make_shelter, make_person):
    shelter = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    one, two = bed_ids(shelter)
    occupancy.check_in(caseworker, make_person(district).id, one)
    with pytest.raises(Conflict):
        shelters.set_bed_status(caseworker, one, "out_of_service", "Brandschutz")
    bed = shelters.set_bed_status(caseworker, two, "out_of_service", " Brandschutz ")
    assert (bed.status, bed.block_reason) == ("out_of_service", "Brandschutz")
    capacity = counts.shelter_capacity(caseworker, shelter.id)
    assert (capacity.total, capacity.blocked, capacity.occupied, capacity.free) == (2, 1, 1, 0)
    assert _listing(shelter).free_beds == 0
    bed = shelters.set_bed_status(caseworker, two, "available")
    assert bed.block_reason is None
    assert _listing(shelter).free_beds == 1


# --- moves ---------------------------------------------------------------------------------


def test_a_move_ends_and_starts_at_the_same_instant(
    caseworker, district, make_shelter, make_person
):
    here = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    there = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    person = make_person(district)
    occupancy.check_in(caseworker, person.id, bed_ids(here)[0])

    result = occupancy.move(caseworker, [bed_ids(there)[1]], person_id=person.id)
    ((ended,), (started,)) = result.ended, result.started
    assert ended.period.upper == started.period.lower
    assert _open_bed(person) == bed_ids(there)[1]
    assert (_listing(here).free_beds, _listing(there).free_beds) == (2, 1)
    assert _actions(person) == ["check_in", "move"]


def test_a_household_moves_together_and_may_swap_beds(
    caseworker, district, make_shelter, make_person
):
    shelter = make_shelter(district, rooms=[("family", 4)], publish=True)
    a, b, c, d = bed_ids(shelter)
    mother, child = make_person(district), make_person(district, gender="m")
    household = persons.create_household(caseworker, [mother.id, child.id], district.id)
    occupancy.check_in(caseworker, mother.id, a)
    occupancy.check_in(caseworker, child.id, b)

    occupancy.move(caseworker, [b, a], household_id=household.id)  # members in id order
    assert (_open_bed(mother), _open_bed(child)) == (b, a)
    occupancy.move(caseworker, [c, d], household_id=household.id)
    assert (_open_bed(mother), _open_bed(child)) == (c, d)
    assert _listing(shelter).free_beds == 2 == fresh_free(shelter.id)
    history = db.session.scalar(
        select(func.count()).select_from(Occupancy).where(Occupancy.person_id == mother.id)
    )
    assert history == 3


def test_a_failed_move_changes_nothing(caseworker, district, make_shelter, make_person):
    shelter = make_shelter(district, rooms=[("family", 4)], publish=True)
    a, b, c, d = bed_ids(shelter)
    mother, child = make_person(district), make_person(district)
    stranger = make_person(district)
    household = persons.create_household(caseworker, [mother.id, child.id], district.id)
    occupancy.check_in(caseworker, mother.id, a)
    occupancy.check_in(caseworker, stranger.id, d)
    db.session.commit()

    with pytest.raises(Conflict):
        occupancy.move(caseworker, [c, d], household_id=household.id)
    db.session.rollback()
    assert (_open_bed(mother), _open_bed(child), _open_bed(stranger)) == (a, None, d)
    assert _listing(shelter).free_beds == 2 == fresh_free(shelter.id)

    with pytest.raises(InvalidInput):
        occupancy.move(caseworker, [c], household_id=household.id)
    with pytest.raises(InvalidInput):
        occupancy.move(caseworker, [c, c], household_id=household.id)
    # Members not housed yet are checked in by the move.
    occupancy.move(caseworker, [b, c], household_id=household.id)
    assert (_open_bed(mother), _open_bed(child)) == (b, c)


def test_moves_reach_only_own_beds(caseworker, district, make_org, make_shelter, make_person):
    elsewhere = make_shelter(make_org("district"), rooms=[("mixed", 1)])
    person = make_person(district)
    with pytest.raises(NotFound):
        occupancy.move(caseworker, bed_ids(elsewhere), person_id=person.id)
    with pytest.raises(NotFound):
        occupancy.check_in(caseworker, person.id, bed_ids(elsewhere)[0])


# --- publication ---------------------------------------------------------------------------


def test_the_listing_holds_counts_after_the_reserve(caseworker, district, make_shelter):
    shelter = make_shelter(
        district, rooms=[("female", 3, True), ("male", 2)], publish=True, reserve_beds=2
    )
    listing = _listing(shelter)
    assert (listing.kind, listing.source, listing.status) == ("beds", "registry", "published")
    assert (listing.owner_id, listing.organization_id, listing.shelter_id) == (
        None,
        district.id,
        shelter.id,
    )
    assert listing.expires_at is None
    assert listing.free_beds == 3
    assert (listing.beds_female, listing.beds_male, listing.beds_family) == (3, 2, 0)
    assert listing.accessible_beds == 3

    shelters.update_shelter(caseworker, shelter.id, {"reserve_beds": 7})
    listing = _listing(shelter)
    assert (listing.free_beds, listing.beds_female, listing.accessible_beds) == (0, 0, 0)


def test_turning_publication_off_withdraws_and_on_republishes_the_same_listing(
    caseworker, district, make_shelter, make_person
):
    shelter = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    listing_id = shelter.listing_id
    shelters.update_shelter(caseworker, shelter.id, {"publish_capacity": False})
    assert _listing(shelter).status == "withdrawn"
    occupancy.check_in(caseworker, make_person(district).id, bed_ids(shelter)[0])
    shelters.update_shelter(caseworker, shelter.id, {"publish_capacity": True})
    listing = _listing(shelter)
    assert (listing.id, listing.status, listing.free_beds) == (listing_id, "published", 1)


def test_a_shelter_without_publication_has_no_listing(caseworker, district, make_shelter):
    shelter = make_shelter(district, rooms=[("mixed", 2)])
    assert shelter.listing_id is None
    assert counts.shelter_capacity(caseworker, shelter.id).free_published == 0


def test_room_changes_are_published(caseworker, district, make_shelter):
    shelter = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    room = shelters.add_room(caseworker, shelter.id, "Neu", "family", True, beds=3)
    listing = _listing(shelter)
    assert (listing.free_beds, listing.beds_family, listing.accessible_beds) == (5, 3, 3)
    shelters.update_room(caseworker, shelter.id, room.id, {"policy": "female", "accessible": False})
    listing = _listing(shelter)
    assert (listing.beds_family, listing.beds_female, listing.accessible_beds) == (0, 3, 0)
    with pytest.raises(Conflict):
        shelters.add_room(caseworker, shelter.id, "Neu", "male", beds=1)


# --- placement -----------------------------------------------------------------------------


def test_placement_honours_policy_and_fits_best_then_nearest(
    caseworker, district, make_shelter, make_person
):
    near = make_shelter(
        district, rooms=[("female", 2), ("male", 2), ("family", 4), ("mixed", 6)], lat=52.52
    )
    far = make_shelter(district, rooms=[("female", 2), ("family", 3, True)], lat=53.55)
    woman = [placement.GroupMember("f", 30)]
    found = placement.search_placements(caseworker, woman, near=(52.52, 13.40))
    assert [(p.shelter.id, p.room.policy, p.leftover) for p in found] == [
        (near.id, "female", 1),
        (far.id, "female", 1),
        (near.id, "mixed", 5),
    ]
    assert len(found[0].bed_ids) == 1

    man = [placement.GroupMember("m", 40)]
    assert {p.room.policy for p in placement.search_placements(caseworker, man)} == {
        "male",
        "mixed",
    }

    family = [
        placement.GroupMember("f", 35),
        placement.GroupMember("m", 8),
        placement.GroupMember("x", 2),
    ]
    found = placement.search_placements(caseworker, family)
    assert [(p.shelter.id, p.room.policy, p.leftover) for p in found] == [
        (far.id, "family", 0),
        (near.id, "family", 1),
    ]
    accessible = placement.search_placements(caseworker, family, accessible=True)
    assert [p.shelter.id for p in accessible] == [far.id]

    # Occupied beds do not count; a household is placed by its members.
    occupancy.check_in(caseworker, make_person(district).id, bed_ids(far, "R2")[0])
    members = [make_person(district), make_person(district, gender="m")]
    household = persons.create_household(caseworker, [m.id for m in members], district.id)
    group = placement.household_group(caseworker, household.id)
    assert [g.gender for g in group] == ["f", "m"]
    found = placement.search_placements(caseworker, group)
    assert [(p.shelter.id, p.leftover) for p in found] == [(far.id, 0), (near.id, 2)]


def test_placement_offers_only_rooms_within_reach(caseworker, district, make_org, make_shelter):
    make_shelter(make_org("district"), rooms=[("mixed", 5)])
    municipality = make_org("municipality", parent=district)
    own = make_shelter(municipality, rooms=[("mixed", 5)])
    found = placement.search_placements(caseworker, [placement.GroupMember("x")])
    assert [p.shelter.id for p in found] == [own.id]


# --- totals, snapshots, retention ----------------------------------------------------------


def test_organisation_totals_include_the_ones_below(
    caseworker, district, make_org, make_user, make_shelter, make_person
):
    municipality = make_org("municipality", parent=district)
    make_shelter(district, rooms=[("mixed", 3)], publish=True, reserve_beds=1)
    small = make_shelter(municipality, rooms=[("family", 2)])
    occupancy.check_in(caseworker, make_person(district).id, bed_ids(small)[0])
    official = make_user(role="official", org=make_org("district"))

    totals = counts.organization_capacity(official, district.id)
    assert (totals.shelters, totals.total, totals.occupied, totals.free) == (2, 5, 1, 4)
    assert totals.by_policy == {"male": 0, "female": 0, "family": 1, "mixed": 3}
    assert totals.free_published == 2
    assert counts.organization_capacity(official, municipality.id).total == 2


def test_snapshots_record_each_shelter_once_per_day(caseworker, district, make_shelter):
    shelter = make_shelter(district, rooms=[("mixed", 3)])
    day = dates.day(-30)
    assert counts.snapshot_capacity(day) >= 1
    shelters.set_bed_status(caseworker, bed_ids(shelter)[0], "blocked")
    counts.snapshot_capacity(day)
    rows = db.session.scalars(
        select(CapacitySnapshot).where(CapacitySnapshot.shelter_id == shelter.id)
    ).all()
    assert [(r.day, r.total, r.blocked, r.free) for r in rows] == [(day, 3, 1, 2)]
    counts.snapshot_capacity(date.today())
    trend = counts.capacity_trend(caseworker, district.id, days=3650)
    assert [(p.day, p.free) for p in trend] == [(day, 2), (date.today(), 2)]


def test_purge_anonymises_those_gone_longer_than_the_retention(
    app, caseworker, district, make_shelter, make_person
):
    shelter = make_shelter(district, rooms=[("mixed", 3)])
    one, two, three = bed_ids(shelter)
    now = datetime.now(UTC)
    long_gone = make_person(district, religion="x", health_notes="y", external_id="A1")
    recently_gone = make_person(district)
    still_here = make_person(district)
    days = app.config["REGISTRY_RETENTION_DAYS"]
    db.session.add_all(
        [
            Occupancy(
                person_id=long_gone.id,
                bed_id=one,
                period=Range(
                    now - timedelta(days=days + 30), now - timedelta(days=days + 1), bounds="[)"
                ),
            ),
            Occupancy(
                person_id=recently_gone.id,
                bed_id=two,
                period=Range(
                    now - timedelta(days=days + 30), now - timedelta(days=days - 1), bounds="[)"
                ),
            ),
            Occupancy(
                person_id=still_here.id,
                bed_id=three,
                period=Range(now - timedelta(days=days + 30), None, bounds="[)"),
            ),
            Activity(person_id=long_gone.id, kind="custom", title="Arzttermin"),
        ]
    )
    db.session.flush()

    assert retention.purge_registry() == 1
    db.session.refresh(long_gone)
    assert long_gone.anonymised_at is not None
    assert (long_gone.family_name, long_gone.given_names, long_gone.birth_date) == ("", "", None)
    assert (long_gone.religion, long_gone.health_notes, long_gone.external_id) == (None,) * 3
    assert long_gone.gender == "f"
    assert (
        db.session.scalar(
            select(func.count()).select_from(Activity).where(Activity.person_id == long_gone.id)
        )
        == 0
    )
    assert _actions(long_gone) == ["anonymise"]
    assert retention.purge_registry() == 0
    # What is left is history: not corrected, not housed again.
    with pytest.raises(Conflict):
        persons.update_person(caseworker, long_gone.id, {"family_name": "Neu"})
    with pytest.raises(Conflict):
        occupancy.check_in(caseworker, long_gone.id, one)


def test_duplicate_candidates_share_birth_date_and_look_alike(caseworker, district):
    first, _ = persons.create_person(
        caseworker,
        {
            "family_name": "Al-Hassan",
            "given_names": "Mohammed",
            "gender": "m",
            "birth_date": date(1988, 5, 4),
        },
        district.id,
    )
    _, duplicates = persons.create_person(
        caseworker,
        {
            "family_name": "Al Hassan",
            "given_names": "Mohammed",
            "gender": "m",
            "birth_date": date(1988, 5, 4),
        },
        district.id,
    )
    assert [i for i, _score in duplicates] == [first.id]
    _, none = persons.create_person(
        caseworker,
        {
            "family_name": "Al Hassan",
            "given_names": "Mohammed",
            "gender": "m",
            "birth_date": date(1990, 5, 4),
        },
        district.id,
    )
    assert none == []
