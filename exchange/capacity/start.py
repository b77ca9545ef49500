"""Start-page blocks of the capacity domain (shown by exchange.home)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from exchange.capacity.access import CASE_ROLES, capacity_scope
from exchange.capacity.counts import (
    Capacity,
    TrendPoint,
    capacity_trend,
    counts_for,
    region_capacity,
)
from exchange.capacity.models import (
    Activity,
    ActivityStatus,
    Bed,
    Occupancy,
    Person,
    Shelter,
    ShelterRoom,
)
from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Role, User

DUE_DAYS = 14
ARRIVAL_DAYS = 7


@dataclass
class RegionFigures:
    organization_id: int | None = None
    capacity: Capacity = field(default_factory=Capacity)
    trend: list[TrendPoint] = field(default_factory=list)


def region_figures(user: User) -> RegionFigures:
    """The official's region: the free places of their organisations and those below
    (counts.region_capacity, the dashboard's figure: registry and manual bed listings,
    each organisation counted once), and the free-bed trend of the first one that has
    snapshots."""
    figures = RegionFigures()
    organization_ids = sorted(authz.organizations_with_role(user, {Role.OFFICIAL}))
    if not organization_ids:
        return figures
    figures.capacity = region_capacity(user, organization_ids)
    figures.organization_id = organization_ids[0]
    for organization_id in organization_ids:
        figures.trend = capacity_trend(user, organization_id)
        if figures.trend:
            break
    return figures


@dataclass
class CaseworkFigures:
    shelters: list[tuple[Shelter, Capacity]]
    arrivals: dict[int, int]
    activities: list[Activity]


def casework_figures(user: User) -> CaseworkFigures:
    """The caseworker's shelters with occupancy, arrivals of the last ARRIVAL_DAYS per
    shelter, open activities due in the next DUE_DAYS (counts and titles, no person data)."""
    reach = sorted(capacity_scope(user, CASE_ROLES & {Role.CASEWORKER})) or [0]
    shelters = list(db.session.scalars(
        select(Shelter).where(Shelter.organization_id.in_(reach)).order_by(Shelter.name)
    ))
    counts = counts_for(shelters)
    since = utcnow() - timedelta(days=ARRIVAL_DAYS)
    arrivals = dict(db.session.execute(
        select(ShelterRoom.shelter_id, func.count())
        .select_from(Occupancy)
        .join(Bed, Bed.id == Occupancy.bed_id)
        .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
        .where(ShelterRoom.shelter_id.in_([s.id for s in shelters] or [0]),
               func.lower(Occupancy.period) >= since)
        .group_by(ShelterRoom.shelter_id)
    ).all())
    today = date.today()
    activities = list(db.session.scalars(
        select(Activity)
        .join(Person, Person.id == Activity.person_id)
        .where(Person.organization_id.in_(reach),
               Activity.status == ActivityStatus.OPEN.value,
               Activity.due_date.is_not(None),
               Activity.due_date <= today + timedelta(days=DUE_DAYS))
        .order_by(Activity.due_date, Activity.id)
        .limit(20)
    ))
    return CaseworkFigures([(s, counts.get(s.id, Capacity())) for s in shelters],
                           arrivals, activities)
