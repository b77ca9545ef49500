"""Capacity figures: bed counts of a shelter or an organisation, the published free beds,
the daily snapshots and their trend.

The counters themselves are kept by database triggers (migration 0008) in the same
transaction as the change to beds, rooms or occupancies; writers lock the counter rows
(lock_counts) in shelter id order before they write, and read them back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from exchange.errors import Forbidden, NotFound
from exchange.extensions import db
from exchange.listings.models import BedsSource, Listing, ListingKind, ListingStatus
from exchange.profiles import authz
from exchange.profiles.models import Organization, User

from .access import get_shelter_for
from .models import CapacityCount, CapacitySnapshot, RoomPolicy, Shelter


@dataclass
class Capacity:
    """Bed counts of a shelter or a sum of shelters (free = total - blocked - occupied)."""

    total: int = 0
    blocked: int = 0
    occupied: int = 0
    by_policy: dict[str, int] = field(default_factory=lambda: {p.value: 0 for p in RoomPolicy})
    accessible_free: int = 0
    free_published: int = 0
    shelters: int = 0
    #: Free beds held for accepted bed requests of other districts (shelters.held_beds).
    held: int = 0
    #: Free beds of published manual bed listings (not kept by the registry).
    listed_free: int = 0
    #: The organisation summed up (organization_capacity), else None.
    organization_id: int | None = None

    @property
    def free(self) -> int:
        return sum(self.by_policy.values())

    @property
    def free_places(self) -> int:
        """The region's free places: the registry's free beds and those of manual bed
        listings (the one figure of the start page and the dashboard)."""
        return self.free + self.listed_free

    def add(self, counts: CapacityCount, shelter: Shelter) -> None:
        self.total += counts.total
        self.blocked += counts.blocked
        self.occupied += counts.occupied
        for policy, free in counts.by_policy.items():
            self.by_policy[policy] += free
        self.accessible_free += counts.free_accessible
        self.free_published += published_free(counts, shelter)
        self.held += shelter.held_beds
        self.shelters += 1


def published_free(counts: CapacityCount, shelter: Shelter) -> int:
    """Free beds as published: max(free - reserve_beds - held_beds, 0) (held: accepted
    transfer requests of other districts); 0 while not published."""
    if not shelter.publish_capacity:
        return 0
    return max(counts.free - shelter.reserve_beds - shelter.held_beds, 0)


def lock_counts(shelter_ids: Iterable[int]) -> None:
    """Lock the shelters' counter rows in id order before writing beds or occupancies, so
    that the triggers of two calls touching the same shelters never wait on each other
    in opposite orders."""
    ids = sorted(set(shelter_ids))
    if ids:
        db.session.execute(
            select(CapacityCount.shelter_id)
            .where(CapacityCount.shelter_id.in_(ids))
            .order_by(CapacityCount.shelter_id)
            .with_for_update()
        )


def current_counts(shelter_id: int) -> CapacityCount:
    """The counter row as the triggers left it in this transaction."""
    return db.session.scalars(
        select(CapacityCount)
        .where(CapacityCount.shelter_id == shelter_id)
        .execution_options(populate_existing=True)
    ).one()


def counts_for(shelters: Sequence[Shelter]) -> dict[int, Capacity]:
    """Capacity of several shelters, read in one query (for lists)."""
    ids = [shelter.id for shelter in shelters]
    by_id = {shelter.id: shelter for shelter in shelters}
    result = {}
    if ids:
        for counts in db.session.scalars(
            select(CapacityCount).where(CapacityCount.shelter_id.in_(ids))
        ):
            capacity = Capacity()
            capacity.add(counts, by_id[counts.shelter_id])
            result[counts.shelter_id] = capacity
    return result


def shelter_capacity(viewer: User, shelter_id: int) -> Capacity:
    """A shelter's counts (staff reaching its organisation)."""
    shelter = get_shelter_for(viewer, shelter_id)
    capacity = Capacity()
    capacity.add(current_counts(shelter.id), shelter)
    return capacity


def organization_capacity(viewer: User, organization_id: int) -> Capacity:
    """Totals over the shelters of an organisation and those below it (any staff member:
    these are counts, as on the map)."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    capacity = region_capacity(viewer, [organization_id])
    capacity.organization_id = organization_id
    return capacity


def region_capacity(viewer: User, organization_ids: Iterable[int]) -> Capacity:
    """Totals over the shelters and the published manual bed listings of these
    organisations and those below them, each counted once (the official's start page sums
    all of their organisations; the dashboard one)."""
    if not authz.is_staff(viewer) and not viewer.is_platform_admin:
        raise Forbidden("Only staff of public organisations see capacity.")
    reach = sorted(authz.descendants_and_self(list(organization_ids))) or [0]
    capacity = Capacity()
    capacity.listed_free = db.session.scalar(
        select(func.coalesce(func.sum(Listing.free_beds), 0)).where(
            Listing.organization_id.in_(reach),
            Listing.kind == ListingKind.BEDS.value,
            Listing.source == BedsSource.MANUAL.value,
            Listing.status == ListingStatus.PUBLISHED.value,
        )
    )
    rows = db.session.execute(
        select(CapacityCount, Shelter)
        .join(Shelter, Shelter.id == CapacityCount.shelter_id)
        .where(CapacityCount.organization_id.in_(reach))
    )
    for counts, shelter in rows:
        capacity.add(counts, shelter)
    return capacity


# --- daily snapshots -----------------------------------------------------------------------


def snapshot_capacity(day: date | None = None) -> int:
    """Record every shelter's counts for ``day`` (default: today), replacing that day's
    earlier snapshot; returns the number of shelters."""
    day = day or date.today()
    free = (
        CapacityCount.free_male
        + CapacityCount.free_female
        + CapacityCount.free_family
        + CapacityCount.free_mixed
    )
    source = select(
        CapacityCount.organization_id,
        CapacityCount.shelter_id,
        literal_column(f"DATE '{day.isoformat()}'"),
        CapacityCount.total,
        CapacityCount.blocked,
        CapacityCount.occupied,
        free,
    )
    stmt = pg_insert(CapacitySnapshot).from_select(
        ["organization_id", "shelter_id", "day", "total", "blocked", "occupied", "free"], source
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_capacity_snapshots_day",
        set_={
            name: getattr(stmt.excluded, name)
            for name in ("organization_id", "total", "blocked", "occupied", "free")
        },
    )
    return len(db.session.execute(stmt.returning(CapacitySnapshot.id)).all())


@dataclass
class TrendPoint:
    day: date
    total: int
    occupied: int
    free: int


def capacity_trend(viewer: User, organization_id: int, days: int = 30) -> list[TrendPoint]:
    """Daily totals of an organisation and those below it, from the snapshots."""
    organization_capacity(viewer, organization_id)  # the same rule: who may see counts
    reach = sorted(authz.descendants_and_self([organization_id]))
    since = date.today() - timedelta(days=days)
    rows = db.session.execute(
        select(
            CapacitySnapshot.day,
            func.sum(CapacitySnapshot.total),
            func.sum(CapacitySnapshot.occupied),
            func.sum(CapacitySnapshot.free),
        )
        .where(CapacitySnapshot.organization_id.in_(reach), CapacitySnapshot.day >= since)
        .group_by(CapacitySnapshot.day)
        .order_by(CapacitySnapshot.day)
    )
    return [TrendPoint(day, int(t), int(o), int(f)) for day, t, o, f in rows]
