"""Occupancy: checking a person into a bed, out of it, and moving persons or households
between beds, each in one transaction.

Locks are taken in one order (persons, beds, then the shelters' counter rows, all by id),
so concurrent calls cannot deadlock; the exclusion constraints on occupancies settle the
races the checks cannot see (no bed and no person in two overlapping periods).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import Range

from exchange.errors import Conflict, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.profiles.models import User

from .access import (
    CASE_ROLES,
    capacity_scope,
    check_not_anonymised,
    get_beds_for,
    get_household_for,
    get_person_for,
    get_persons_for,
)
from .audit import AuditAction, audit
from .counts import lock_counts
from .models import Bed, BedStatus, Occupancy, ShelterRoom
from .publication import publish


def database_now() -> datetime:
    """The database's clock now (not the transaction's start), read after the row locks:
    a period that starts after a check-out committed by another call never overlaps it."""
    return db.session.scalar(select(func.clock_timestamp()))


def open_occupancies_of(person_ids: Iterable[int]) -> list[Occupancy]:
    """The open occupancies of these persons, locked, in person id order."""
    ids = sorted(set(person_ids))
    return list(
        db.session.scalars(
            select(Occupancy)
            .where(Occupancy.person_id.in_(ids), func.upper_inf(Occupancy.period))
            .order_by(Occupancy.person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def open_occupancy_of_bed(bed_id: int) -> Occupancy | None:
    """Who is in this bed now, if anyone."""
    return db.session.scalar(
        select(Occupancy).where(Occupancy.bed_id == bed_id, func.upper_inf(Occupancy.period))
    )


def current_beds(person_ids: Iterable[int]) -> dict[int, int]:
    """person id → the bed of their open occupancy, for those housed."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Occupancy.person_id, Occupancy.bed_id).where(
            Occupancy.person_id.in_(ids), func.upper_inf(Occupancy.period)
        )
    )
    return dict(rows.all())


def _shelter_of_bed(bed_id: int) -> int:
    return db.session.scalar(
        select(ShelterRoom.shelter_id)
        .join(Bed, Bed.room_id == ShelterRoom.id)
        .where(Bed.id == bed_id)
    )


def _bed_taken(bed: Bed) -> Conflict:
    message = "This bed is taken."
    return Conflict(message, field="bed_id")


def _bed_blocked(bed: Bed) -> Conflict:
    message = (
        "This bed is blocked."
        if bed.status == BedStatus.BLOCKED
        else ("This bed is out of service.")
    )
    return Conflict(message, field="bed_id")


def check_in(actor: User, person_id: int, bed_id: int) -> Occupancy:
    """House a person in a free bed. 409 if the bed is taken or blocked or the person is
    housed already (the exclusion constraints settle races the checks cannot see)."""
    reach = capacity_scope(actor, CASE_ROLES)
    person = get_person_for(actor, person_id, lock=True, reach=reach)
    check_not_anonymised([person])
    ((bed, shelter_id),) = get_beds_for(actor, [bed_id], lock=True, reach=reach)
    lock_counts([shelter_id])
    if open_occupancies_of([person.id]):
        message = "This person is housed already; move them instead."
        raise Conflict(message, field="person_id")
    if bed.status != BedStatus.AVAILABLE:
        raise _bed_blocked(bed)
    if open_occupancy_of_bed(bed.id) is not None:
        raise _bed_taken(bed)
    occupancy = Occupancy(
        person_id=person.id,
        bed_id=bed.id,
        period=Range(database_now(), None, bounds="[)"),
        created_by_id=actor.id,
    )
    db.session.add(occupancy)
    db.session.flush()
    audit(actor, [person], AuditAction.CHECK_IN)
    publish([shelter_id])
    return occupancy


def check_out(actor: User, occupancy_id: int) -> Occupancy:
    """End an open occupancy now (the person leaves); 409 if it has ended already."""
    found = db.session.get(Occupancy, occupancy_id)
    if found is None:
        raise NotFound()
    person = get_person_for(actor, found.person_id, lock=True)
    occupancy = db.session.get_one(
        Occupancy, occupancy_id, with_for_update=True, populate_existing=True
    )
    shelter_id = _shelter_of_bed(occupancy.bed_id)
    lock_counts([shelter_id])
    if not occupancy.is_open:
        message = "This occupancy has ended already."
        raise Conflict(message, field="occupancy_id")
    _end(occupancy, database_now(), actor)
    db.session.flush()
    audit(actor, [person], AuditAction.CHECK_OUT)
    publish([shelter_id])
    return occupancy


def check_out_household(actor: User, household_id: int) -> list[Occupancy]:
    """A household leaves its shelter beds (it moved into a flat): every member's open
    occupancy ends at one instant, under the locks in the usual order (persons, beds'
    counter rows), audited and published, in the caller's transaction. Members not housed
    are left alone; returns the ended occupancies."""
    reach = capacity_scope(actor, CASE_ROLES)
    household = get_household_for(actor, household_id)
    members = get_persons_for(actor, household.member_ids, lock=True, reach=reach)
    check_not_anonymised(members)
    current = open_occupancies_of([p.id for p in members])
    shelter_ids = [_shelter_of_bed(occupancy.bed_id) for occupancy in current]
    lock_counts(shelter_ids)
    now = database_now()
    for occupancy in current:
        _end(occupancy, now, actor)
    db.session.flush()
    housed = {occupancy.person_id for occupancy in current}
    audit(actor, [p for p in members if p.id in housed], AuditAction.CHECK_OUT)
    publish(shelter_ids)
    return current


def _end(occupancy: Occupancy, now: datetime, actor: User | None) -> None:
    occupancy.period = Range(occupancy.period.lower, now, bounds="[)")
    occupancy.ended_by_id = actor.id if actor is not None else None


@dataclass
class MoveResult:
    started: list[Occupancy]
    ended: list[Occupancy]


def move(
    actor: User,
    bed_ids: Sequence[int],
    person_id: int | None = None,
    household_id: int | None = None,
) -> MoveResult:
    """Move one person, or a whole household, to other beds in one transaction.

    A household's members (by id) go to ``bed_ids`` in the order given. Each mover's open
    occupancy ends and a new one starts at the same instant, so nobody is ever housed
    twice or nowhere; members not housed yet are checked in. Target beds must be
    available and free, or held by the movers themselves (swaps within the household).
    Anything wrong: 409/404/422 and nothing changes.
    """
    if (person_id is None) == (household_id is None):
        raise InvalidInput({"person_id": "Give person_id or household_id."})
    if len(set(bed_ids)) != len(bed_ids):
        raise InvalidInput({"bed_ids": "Each bed once."})
    reach = capacity_scope(actor, CASE_ROLES)
    if household_id is not None:
        household = get_household_for(actor, household_id)
        member_ids = household.member_ids
        if not member_ids:
            raise InvalidInput({"household_id": "This household has no members."})
    else:
        member_ids = [person_id]
    if len(bed_ids) != len(member_ids):
        raise InvalidInput({"bed_ids": Text("Give one bed per person to move (%(n)d).",
                                            n=len(member_ids))})
    movers = get_persons_for(actor, member_ids, lock=True, reach=reach)
    check_not_anonymised(movers)
    if household_id is not None and any(p.household_id != household_id for p in movers):
        raise Conflict("The household changed meanwhile; reload and try again.")
    target_of = dict(zip(sorted(member_ids), bed_ids, strict=True))
    targets = get_beds_for(actor, bed_ids, lock=True, reach=reach)
    current = open_occupancies_of(member_ids)
    current_shelters = {
        occupancy.bed_id: _shelter_of_bed(occupancy.bed_id) for occupancy in current
    }
    lock_counts([shelter for _bed, shelter in targets] + list(current_shelters.values()))
    mover_ids = set(member_ids)
    for bed, _shelter in targets:
        if bed.status != BedStatus.AVAILABLE:
            raise _bed_blocked(bed)
        holder = open_occupancy_of_bed(bed.id)
        if holder is not None and holder.person_id not in mover_ids:
            raise _bed_taken(bed)
    now = database_now()
    staying = {o.person_id for o in current if target_of[o.person_id] == o.bed_id}
    ended = [o for o in current if o.person_id not in staying]
    for occupancy in ended:
        _end(occupancy, now, actor)
    db.session.flush()  # the old periods close before the new ones open
    started = [
        Occupancy(
            person_id=person.id,
            bed_id=target_of[person.id],
            period=Range(now, None, bounds="[)"),
            created_by_id=actor.id,
        )
        for person in movers
        if person.id not in staying
    ]
    db.session.add_all(started)
    db.session.flush()
    audit(actor, [p for p in movers if p.id not in staying], AuditAction.MOVE)
    publish([shelter for _bed, shelter in targets] + list(current_shelters.values()))
    return MoveResult(started, ended)
