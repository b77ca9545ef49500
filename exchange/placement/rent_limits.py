"""Rent and size limits: who keeps them (the district's admins), reading and writing them,
the limits in force on a day, and for which household sizes a flat is appropriate.

A limit belongs to a district and one of its municipalities (an organisation of kind
municipality below the district). What a limit means and how it is applied is written in
docs/decisions/placement.md; the SQL that applies it is the database's (migration 0026),
so that the map's filter, a listing's detail and matching mean the same.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, func, select

from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.extensions import db
from exchange.listings import fits
from exchange.listings.models import Listing, ListingKind
from exchange.profiles import authz
from exchange.profiles.models import Organization, OrganizationKind, User

from .models import RentLimit

BERLIN = ZoneInfo("Europe/Berlin")
#: The fields of a limit that are written (the API's and the import's).
LIMIT_FIELDS = ("municipality_id", "household_size", "valid_from", "max_gross_rent",
                "max_area_m2", "further_person_rent", "further_person_area_m2")


def today() -> date:
    """The day in Germany, which decides which limits are in force."""
    return datetime.now(BERLIN).date()


def today_sql() -> ColumnElement[date]:
    """Today in Germany, in SQL (the filter's day, evaluated by the database)."""
    return func.date(func.timezone("Europe/Berlin", func.now()))


# --- who keeps limits ----------------------------------------------------------------------


def may_edit_limits(user: User, district_id: int) -> bool:
    """The district's admins (and platform admins) keep its limits."""
    return authz.is_org_admin(user, district_id)


def get_district_for(user: User, district_id: int) -> Organization:
    """A district whose limits the user keeps, else 404."""
    district = db.session.get(Organization, district_id)
    if (district is None or district.kind != OrganizationKind.DISTRICT
            or not may_edit_limits(user, district_id)):
        raise NotFound()
    return district


def districts_kept_by(user: User) -> list[Organization]:
    """The districts whose limits the user keeps (their admin memberships)."""
    ids = authz.organizations_with_role(user, {"admin"})
    if user.is_platform_admin:
        stmt = select(Organization).where(Organization.kind == OrganizationKind.DISTRICT)
    else:
        stmt = select(Organization).where(Organization.id.in_(sorted(ids)),
                                          Organization.kind == OrganizationKind.DISTRICT)
    return list(db.session.scalars(stmt.order_by(Organization.name)))


def municipalities_of(district_id: int) -> list[Organization]:
    """The municipalities below a district, by name."""
    ids = authz.descendants_and_self([district_id], {OrganizationKind.MUNICIPALITY})
    return list(db.session.scalars(
        select(Organization).where(Organization.id.in_(sorted(ids))).order_by(Organization.name)
    ))


def get_limit_for(user: User, limit_id: int, lock: bool = False) -> RentLimit:
    """A limit of a district the user keeps, else 404."""
    limit = db.session.get(RentLimit, limit_id, with_for_update=lock or None)
    if limit is None or not may_edit_limits(user, limit.district_id):
        raise NotFound()
    return limit


# --- reading -------------------------------------------------------------------------------


def list_limits(user: User, district_id: int, municipality_id: int | None = None,
                in_force_on: date | None = None) -> list[RentLimit]:
    """A district's limits by municipality, date (newest first) and size; with
    ``in_force_on`` only the tables in force that day."""
    get_district_for(user, district_id)
    stmt = select(RentLimit).where(RentLimit.district_id == district_id)
    if municipality_id is not None:
        stmt = stmt.where(RentLimit.municipality_id == municipality_id)
    if in_force_on is not None:
        newest = (select(RentLimit.municipality_id, func.max(RentLimit.valid_from).label("day"))
                  .where(RentLimit.district_id == district_id, RentLimit.valid_from <= in_force_on)
                  .group_by(RentLimit.municipality_id).subquery())
        stmt = stmt.join(newest, and_(newest.c.municipality_id == RentLimit.municipality_id,
                                      newest.c.day == RentLimit.valid_from))
    return list(db.session.scalars(stmt.order_by(
        RentLimit.municipality_id, RentLimit.valid_from.desc(), RentLimit.household_size)))


def limit_in_force(municipality_id: int, household_size: int,
                   day: date | None = None) -> tuple[Decimal, Decimal] | None:
    """(highest gross cold rent, highest area) for that size on that day, or None."""
    found = db.session.scalar(
        select(func.placement_rent_limit(municipality_id, household_size, day or today())))
    return (found[0], found[1]) if found else None


def municipality_of(listing: Listing) -> Organization | None:
    """The municipality a listing lies in: the municipality whose seat is nearest to it,
    within 20 km (see docs/decisions/placement.md)."""
    municipality_id = db.session.scalar(
        select(func.placement_municipality_at(Listing.location)).where(Listing.id == listing.id)
    )
    return db.session.get(Organization, municipality_id) if municipality_id else None


def fits_households_sql(day: Any = None) -> ColumnElement:
    """The household sizes a listing (a flat) is appropriate for, as an SQL integer array."""
    return func.placement_fits_households(
        func.placement_municipality_at(Listing.location),
        Listing.max_occupants,
        Listing.rent_cold + func.coalesce(Listing.utilities, 0),
        Listing.area_m2,
        today_sql() if day is None else day,
    )


def fits_households(listing: Any) -> list[int] | None:
    """For which household sizes a flat is appropriate (None for free beds): sizes n with
    n <= max_occupants, rent + utilities <= the rent limit for n and area <= the area limit
    for n, in the municipality the flat lies in, today."""
    if listing.kind != ListingKind.FLAT:
        return None
    sizes = db.session.scalar(select(fits_households_sql(today())).where(Listing.id == listing.id))
    return list(sizes or [])


def fits_household_clause(size: Any) -> ColumnElement[bool]:
    """The listings (flats) appropriate for a household of ``size`` today: the map's and
    the API's filter `fits_household`."""
    return and_(
        Listing.kind == ListingKind.FLAT,
        Listing.max_occupants >= size,
        func.placement_fits(
            func.placement_municipality_at(Listing.location),
            size,
            Listing.rent_cold + func.coalesce(Listing.utilities, 0),
            Listing.area_m2,
            today_sql(),
        ),
    )


# --- writing -------------------------------------------------------------------------------


def check_values(district_id: int, values: dict) -> None:
    """Rules beyond each field's own: the municipality lies in the district, an increment
    for further persons is given for rent and area together."""
    errors: dict[str, str] = {}
    municipality_id = values.get("municipality_id")
    if municipality_id is not None and municipality_id not in {
            m.id for m in municipalities_of(district_id)}:
        errors["municipality_id"] = "Not a municipality of this district."
    rent, area = values.get("further_person_rent"), values.get("further_person_area_m2")
    if (rent is None) != (area is None):
        name = "further_person_area_m2" if area is None else "further_person_rent"
        errors[name] = "Give the increment for each further person for rent and area together."
    if errors:
        raise InvalidInput(errors)


def _check_free(limit_id: int | None, values: dict) -> None:
    stmt = select(RentLimit.id).where(
        RentLimit.municipality_id == values["municipality_id"],
        RentLimit.valid_from == values["valid_from"],
        RentLimit.household_size == values["household_size"],
    )
    if limit_id is not None:
        stmt = stmt.where(RentLimit.id != limit_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict("This municipality has a limit for this household size from this day "
                       "already.", field="household_size")


def create_limit(user: User, district_id: int, values: dict) -> RentLimit:
    """A new limit of the district (its admins)."""
    get_district_for(user, district_id)
    values = {name: values.get(name) for name in LIMIT_FIELDS}
    check_values(district_id, values)
    _check_free(None, values)
    limit = RentLimit(district_id=district_id, updated_by_id=user.id, **values)
    db.session.add(limit)
    db.session.flush()
    return limit


def update_limit(user: User, limit_id: int, values: dict) -> RentLimit:
    """Change a limit's values (its district's admins)."""
    limit = get_limit_for(user, limit_id, lock=True)
    merged = {name: values.get(name, getattr(limit, name)) for name in LIMIT_FIELDS}
    check_values(limit.district_id, merged)
    _check_free(limit.id, merged)
    for name, value in merged.items():
        setattr(limit, name, value)
    limit.updated_by_id = user.id
    db.session.flush()
    return limit


def delete_limit(user: User, limit_id: int) -> None:
    """Remove a limit (its district's admins)."""
    limit = get_limit_for(user, limit_id, lock=True)
    db.session.delete(limit)
    db.session.flush()


def replace_tables(user: User, district_id: int, rows: list[dict]) -> int:
    """Write imported limits: each (municipality, valid_from) of ``rows`` replaces that
    table of the district whole (a table takes effect as a whole). Returns rows written."""
    get_district_for(user, district_id)
    tables = {(row["municipality_id"], row["valid_from"]) for row in rows}
    for municipality_id, valid_from in sorted(tables):
        db.session.execute(delete(RentLimit).where(
            RentLimit.district_id == district_id, RentLimit.municipality_id == municipality_id,
            RentLimit.valid_from == valid_from))
    db.session.add_all(RentLimit(district_id=district_id, updated_by_id=user.id, **row)
                       for row in rows)
    db.session.flush()
    return len(rows)


def register() -> None:
    """Tell the listings domain how flats fit households (its filter and detail)."""
    fits.register(fits_household_clause, fits_households)
