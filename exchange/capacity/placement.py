"""Placement search: rooms within reach that can take a household (or a group described
by gender and age) together, honouring room policy; best fit first, then nearest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, and_, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from exchange.db import geography_point
from exchange.errors import Forbidden, InvalidInput
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import User

from .access import CASE_ROLES, capacity_scope, get_household_for, visible_persons_clause
from .models import Bed, BedStatus, Gender, Occupancy, Person, RoomPolicy, Shelter, ShelterRoom


@dataclass
class GroupMember:
    gender: str
    age: int | None = None


@dataclass
class Placement:
    """A room that can take the group, and the free beds to move it into (PlacementSchema)."""

    room: ShelterRoom
    shelter: Shelter
    free_beds: int
    bed_ids: list[int]
    distance_m: float | None = None

    @property
    def leftover(self) -> int:
        return self.free_beds - len(self.bed_ids)

    @property
    def distance_km(self) -> float | None:
        return round(self.distance_m / 1000, 3) if self.distance_m is not None else None


def allowed_policies(group: Sequence[GroupMember]) -> set[str]:
    """ShelterRoom policies that may take this group together: families (more than one person)
    in family rooms; a single woman in female or mixed rooms, a single man in male or
    mixed rooms, anyone else alone in mixed rooms."""
    if len(group) > 1:
        return {RoomPolicy.FAMILY.value}
    (person,) = group
    if person.gender == Gender.FEMALE:
        return {RoomPolicy.FEMALE.value, RoomPolicy.MIXED.value}
    if person.gender == Gender.MALE:
        return {RoomPolicy.MALE.value, RoomPolicy.MIXED.value}
    return {RoomPolicy.MIXED.value}


def _age(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    years = today.year - birth_date.year
    return years - ((today.month, today.day) < (birth_date.month, birth_date.day))


def household_group(actor: User, household_id: int) -> list[GroupMember]:
    """The members of a household as a group to place (genders and ages only)."""
    get_household_for(actor, household_id)
    today = date.today()
    rows = db.session.execute(
        select(Person.gender, Person.birth_date)
        .where(Person.household_id == household_id, visible_persons_clause(actor))
        .order_by(Person.id)
    )
    group = [GroupMember(gender, _age(birth_date, today)) for gender, birth_date in rows]
    if not group:
        raise InvalidInput({"household_id": "This household has no members."})
    return group


def search_placements(
    actor: User,
    group: Sequence[GroupMember],
    accessible: bool = False,
    near: tuple[float, float] | None = None,
    organization_id: int | None = None,
    limit: int = 20,
) -> list[Placement]:
    """Rooms within the actor's reach that can take the whole group together, honouring
    room policy (see allowed_policies) and accessibility; best fit first (fewest free beds
    left over), then nearest to ``near`` (lat, lon), then by room id. Each answer names
    free beds to move the group into."""
    if not group:
        raise InvalidInput({"persons": "Give at least one person."})
    reach = capacity_scope(actor, CASE_ROLES)
    if not reach:
        raise Forbidden("Only caseworkers and admins place persons.")
    if organization_id is not None:
        reach &= authz.descendants_and_self([organization_id])
    size = len(group)
    free_bed = and_(Bed.status == BedStatus.AVAILABLE.value, Occupancy.id.is_(None))
    free_count = func.count(Bed.id).filter(free_bed)
    free_ids = func.array_agg(aggregate_order_by(Bed.id, Bed.id)).filter(free_bed)
    distance = (
        func.ST_Distance(Shelter.location, geography_point(*near), False).cast(Float)
        if near is not None
        else literal_column("NULL")
    )
    stmt = (
        select(ShelterRoom, Shelter, free_count.label("free"), free_ids, distance.label("distance"))
        .join(Shelter, Shelter.id == ShelterRoom.shelter_id)
        .join(Bed, Bed.room_id == ShelterRoom.id)
        .outerjoin(Occupancy, and_(Occupancy.bed_id == Bed.id, func.upper_inf(Occupancy.period)))
        .where(
            Shelter.organization_id.in_(sorted(reach)),
            ShelterRoom.policy.in_(sorted(allowed_policies(group))),
        )
        .group_by(ShelterRoom.id, Shelter.id)
        .having(free_count >= size)
        .order_by(
            free_count - size, distance if near is not None else ShelterRoom.id, ShelterRoom.id
        )
        .limit(limit)
    )
    if accessible:
        stmt = stmt.where(ShelterRoom.accessible.is_(True))
    return [
        Placement(room, shelter, free, list(ids)[:size], dist)
        for room, shelter, free, ids, dist in db.session.execute(stmt)
    ]

