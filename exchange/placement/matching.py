"""Matching: the flats that fit a waiting household (its caseworkers), and the shape of the
waiting households that fit a flat (its owner side and officials; counts, never names).
Each is one SQL query; docs/decisions/placement.md explains the rules and the score.

A household fits a flat when the flat has room for all its members (max_occupants), its
rent + utilities and area lie within the limits for the household's size in the
municipality the flat lies in (placement_fits), it is step-free (accessible) when the
household needs it, available on the day asked, and within the household's radius of its
centre (the assigned municipality's seat, else its organisation's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from exchange.capacity import access as capacity_access
from exchange.capacity import audit
from exchange.capacity.models import Household, Person
from exchange.errors import Forbidden, InvalidInput, NotFound
from exchange.extensions import db
from exchange.listings import access as listings_access
from exchange.listings.models import Listing, ListingKind
from exchange.profiles import authz
from exchange.profiles.models import Organization, OrganizationKind, User

from .models import HouseholdNeeds
from .rent_limits import today

#: The nearest fitting flats that are scored (the KNN walk stops there: bounded work).
CANDIDATES = 100
#: Waiting households counted for a flat at most (the answer says `more` beyond).
COUNT_CAP = 100
#: The largest radius a household may search in (km); centres farther off never fit.
MAX_RADIUS_KM = 100
DEFAULT_RADIUS_KM = 30
#: A listing's municipality is the nearest seat within this distance (placement_municipality_at).
SEAT_KM = 20
#: Score weights (sum 100) and the days after which a flat's time on offer counts full.
W_DISTANCE, W_HEADROOM, W_WAITING = 50, 30, 20
WAITING_FULL_DAYS = 60
#: The audit action of a household's placement needs written (per member).
NEEDS_AUDIT_ACTION = "placement_needs"

# The household's size, need and centre; the limits for its size
# in the municipalities whose seat lies within reach (read once), then the nearest flats
# that fit it (a KNN walk of the listings' GiST index from the centre, each flat's
# municipality kept in listing_municipalities, stopping after CANDIDATES), scored.
FLATS_FOR_HOUSEHOLD = text(f"""
WITH household AS (
    SELECT h.id,
           (SELECT count(*) FROM persons p
             WHERE p.household_id = h.id AND p.merged_into_id IS NULL
               AND p.anonymised_at IS NULL)::integer AS size,
           coalesce(n.needs_step_free, false) AS step_free,
           coalesce(n.radius_km, {DEFAULT_RADIUS_KM}) * 1000.0 AS radius_m,
           coalesce(m.location, o.location) AS centre
    FROM households h
    JOIN organizations o ON o.id = h.organization_id
    LEFT JOIN household_needs n ON n.household_id = h.id
    LEFT JOIN organizations m ON m.id = n.assigned_municipality_id
    WHERE h.id = :household_id
),
limits AS MATERIALIZED (
    SELECT m.id, placement_rent_limit(m.id, hh.size, :today) AS lim
    FROM household hh JOIN organizations m
      ON m.kind = 'municipality' AND m.location IS NOT NULL
     AND ST_DWithin(m.location, hh.centre, hh.radius_m + {SEAT_KM * 1000}, false)
)
SELECT f.*, hh.size,
       round(({W_DISTANCE} * greatest(0, 1 - f.distance_m / hh.radius_m)
             + {W_HEADROOM} * f.headroom
             + {W_WAITING} * least(f.days_listed / {WAITING_FULL_DAYS}.0, 1))::numeric, 1)
         AS score
FROM household hh
CROSS JOIN LATERAL (
    SELECT l.id, l.title, l.postal_code, l.city, l.rooms, l.area_m2, l.max_occupants,
           l.gross_rent, l.accessible, l.available_from, l.organization_id,
           ST_Distance(l.location, hh.centre) AS distance_m,
           greatest(0, :today - l.listed_at::date) AS days_listed,
           l.lim[1] AS max_gross_rent, l.lim[2] AS max_area_m2,
           (l.lim[1] - l.gross_rent) / l.lim[1] AS headroom
    FROM (
        SELECT l.*, l.rent_cold + coalesce(l.utilities, 0) AS gross_rent, r.lim
        FROM listings l
        JOIN listing_municipalities lm ON lm.listing_id = l.id
        JOIN limits r ON r.id = lm.municipality_id
        WHERE l.status = 'published' AND l.kind = 'flat'
          AND l.max_occupants >= hh.size
          AND (NOT hh.step_free OR l.accessible IS TRUE)
          AND coalesce(l.available_from, '0001-01-01'::date) <= :by  -- ix_listings_flats_knn
          AND (l.available_until IS NULL OR l.available_until >= :by)
          AND ST_DWithin(l.location, hh.centre, hh.radius_m, false)
          AND l.rent_cold + coalesce(l.utilities, 0) <= r.lim[1] AND l.area_m2 <= r.lim[2]
        ORDER BY l.location <-> hh.centre
        LIMIT {CANDIDATES}
    ) l
) f
WHERE hh.size > 0 AND hh.centre IS NOT NULL
ORDER BY score DESC, f.distance_m, f.id
LIMIT :limit
""")

# The flat's sizes (those it is appropriate for), the organisations whose seat lies within
# the largest radius, the households waiting for a flat that are centred there (their
# caseworkers recorded their needs; size, restriction, waiting-since and needs kept in
# placement_waiting, read from its index by centre and fitting size), not restricted, at
# most COUNT_CAP + 1 of them (the walk stops there), counted by size and need.
HOUSEHOLDS_FOR_FLAT = text(f"""
WITH flat AS (
    SELECT l.location, coalesce(l.accessible, false) AS accessible,
           placement_fits_households(lm.municipality_id, l.max_occupants,
                                     l.rent_cold + coalesce(l.utilities, 0), l.area_m2,
                                     :today) AS sizes
    FROM listings l LEFT JOIN listing_municipalities lm ON lm.listing_id = l.id
    WHERE l.id = :listing_id
),
centres AS (
    SELECT o.id, o.location FROM organizations o, flat
    WHERE o.kind IN ('district', 'municipality', 'provider') AND o.location IS NOT NULL
      AND ST_DWithin(o.location, flat.location, {MAX_RADIUS_KM * 1000}, false)
),
fitting AS (
    SELECT w.household_id, w.size, w.step_free, w.waiting_since
    FROM centres c CROSS JOIN flat
    JOIN placement_waiting w ON w.centre_id = c.id
    WHERE w.waiting_since IS NOT NULL AND NOT w.restricted
      AND w.size = ANY(flat.sizes)
      AND (flat.accessible OR NOT w.step_free)
      AND ST_DWithin(c.location, flat.location, w.radius_km * 1000.0, false)
    LIMIT {COUNT_CAP + 1}
)
SELECT size, count(*) AS households, count(*) FILTER (WHERE step_free) AS needs_step_free,
       min(waiting_since) AS waiting_since
FROM fitting GROUP BY size ORDER BY size
""")


@dataclass
class FittingFlat:
    """A flat that fits a household, as its caseworker sees it (FittingFlatSchema)."""

    id: int
    title: str
    postal_code: str
    city: str
    rooms: Decimal | None
    area_m2: Decimal | None
    max_occupants: int
    gross_rent: Decimal
    accessible: bool | None
    available_from: date | None
    organization_id: int
    distance_m: float
    days_listed: int
    max_gross_rent: Decimal
    max_area_m2: Decimal
    headroom: Decimal
    size: int
    score: Decimal

    @property
    def distance_km(self) -> float:
        return round(self.distance_m / 1000, 1)


@dataclass
class HouseholdGroup:
    """Waiting households of one size that fit a flat: counts only."""

    household_size: int
    households: int
    needs_step_free: int
    longest_waiting_days: int | None


@dataclass
class FittingHouseholds:
    groups: list[HouseholdGroup]
    more: bool  # more than COUNT_CAP fit: only the first were counted


# --- a household's needs -----------------------------------------------------------------


def get_household_for(actor: User, household_id: int) -> Household:
    """A household of the actor's district whose needs (health data) they may see: its
    caseworkers (404 outside their reach, 403 for admins without the caseworker role)."""
    household = capacity_access.get_household_for(actor, household_id)
    if not capacity_access.may_see_special_categories(actor, household.organization_id):
        raise Forbidden("Only the household's caseworkers match it to flats.")
    return household


def needs_of(actor: User, household_id: int) -> HouseholdNeeds:
    """The household's placement needs (defaults when none were recorded)."""
    get_household_for(actor, household_id)
    needs = db.session.get(HouseholdNeeds, household_id)
    return needs or HouseholdNeeds(household_id=household_id, needs_step_free=False,
                                   radius_km=DEFAULT_RADIUS_KM)


def set_needs(actor: User, household_id: int, values: dict) -> HouseholdNeeds:
    """Record a household's assigned municipality, step-free need and radius (audited per
    member: who wrote it when, not what)."""
    household = get_household_for(actor, household_id)
    municipality_id = values.get("assigned_municipality_id")
    if municipality_id is not None:
        municipality = db.session.get(Organization, municipality_id)
        if municipality is None or municipality.kind != OrganizationKind.MUNICIPALITY:
            raise InvalidInput({"assigned_municipality_id": "Not a municipality."})
    needs = db.session.get(HouseholdNeeds, household_id, with_for_update=True)
    if needs is None:
        needs = HouseholdNeeds(household_id=household_id)
        db.session.add(needs)
    for name in ("assigned_municipality_id", "needs_step_free", "radius_km"):
        if name in values:
            setattr(needs, name, values[name])
    needs.needs_step_free = bool(needs.needs_step_free)
    needs.radius_km = needs.radius_km or DEFAULT_RADIUS_KM
    needs.updated_by_id = actor.id
    members = db.session.query(Person).filter(Person.household_id == household.id).all()
    audit.audit(actor, members, NEEDS_AUDIT_ACTION)
    db.session.flush()
    return needs


# --- matching ----------------------------------------------------------------------------


def flats_for_household(actor: User, household_id: int, by: date | None = None,
                        limit: int = 20) -> list[FittingFlat]:
    """The flats that fit the household, best score first (its caseworkers)."""
    get_household_for(actor, household_id)
    day = today()
    rows = db.session.execute(FLATS_FOR_HOUSEHOLD, {
        "household_id": household_id, "today": day, "by": by or day, "limit": limit})
    return [FittingFlat(**row._mapping) for row in rows]


def may_see_fitting_households(user: User, listing: Listing) -> bool:
    """A flat's owner side (its owner, its organisation's managers) and officials."""
    return listings_access.may_manage(user, listing) or listings_access.is_official(user)


def households_for_flat(user: User, listing_id: int) -> FittingHouseholds:
    """How many waiting households fit the flat, by size and step-free need; never who."""
    listing = listings_access.get_listing_for(user, listing_id)
    if listing.kind != ListingKind.FLAT or not may_see_fitting_households(user, listing):
        raise NotFound()
    day = today()
    rows = db.session.execute(HOUSEHOLDS_FOR_FLAT, {"listing_id": listing_id, "today": day})
    groups, total = [], 0
    for size, households, step_free, waiting_since in rows:
        total += households
        waited = (day - waiting_since.date()).days if waiting_since is not None else None
        groups.append(HouseholdGroup(size, households, step_free, waited))
    return FittingHouseholds(groups, total > COUNT_CAP)


def reach_of(actor: User) -> set[int]:
    """The organisations whose households the actor matches (for the household list)."""
    return authz.scope(actor, capacity_access.SPECIAL_ROLES, capacity_access.CAPACITY_KINDS)
