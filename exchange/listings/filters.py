"""Search filters: the parameters of GET /listings parsed (``ListingFilter``, also what a
saved search stores) and their SQL, shared by search, clusters, OGC and saved searches so
that they all mean the same."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import ColumnElement, Float, and_, func, or_

from exchange.db import geography_point
from exchange.errors import InvalidInput
from exchange.pagination import DEFAULT_LIMIT

from .fits import fits_household_clause
from .models import Listing, ListingKind
from .models import ListingStatus as S


@dataclass(frozen=True)
class ListingFilter:
    """The parameters of GET /listings, parsed. Also what a saved search stores (without
    status, sort, limit and cursor) and what the map and the benchmarks pass in."""

    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    near: tuple[float, float] | None = None  # lat, lon
    radius_km: float | None = None
    kind: str | None = None
    min_beds: int | None = None
    max_rent: Decimal | None = None
    available_by: date | None = None
    accessible: bool = False
    organization_id: int | None = None
    # Flats appropriate for a household of this size today (the rent and size limits).
    fits_household: int | None = None
    status: str = S.PUBLISHED
    sort: str | None = None  # "distance" | "newest"; default: distance with near, else newest
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    #: The fields a saved search keeps.
    SAVED = (
        "bbox",
        "near",
        "radius_km",
        "kind",
        "min_beds",
        "max_rent",
        "available_by",
        "accessible",
        "organization_id",
        "fits_household",
    )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("distance" if self.near else "newest")

    def check(self) -> None:
        """Rules across parameters (each single parameter is checked by the schema)."""
        errors = {}
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if min_lon >= max_lon or min_lat >= max_lat:
                errors["bbox"] = "Use minLon,minLat,maxLon,maxLat with min < max."
        if self.radius_km is not None and self.near is None:
            errors["radius_km"] = "Only together with near."
        if self.effective_sort == "distance" and self.near is None:
            errors["sort"] = "Sorting by distance needs near."
        if errors:
            raise invalid_query(errors)

    def to_saved(self) -> dict:
        """The JSON a saved search stores (only what is set)."""
        data: dict[str, Any] = {}
        for name in self.SAVED:
            value = getattr(self, name)
            if value is None or value is False:
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, date):
                value = value.isoformat()
            data[name] = value
        return data

    @classmethod
    def from_saved(cls, data: dict) -> ListingFilter:
        values: dict[str, Any] = {}
        for name in cls.SAVED:
            if name not in data:
                continue
            value = data[name]
            if name in ("bbox", "near"):
                value = tuple(float(v) for v in value)
            elif name == "max_rent":
                value = Decimal(value)
            elif name == "available_by":
                value = date.fromisoformat(value)
            values[name] = value
        return cls(**values)


def invalid_query(errors: dict[str, str]) -> InvalidInput:
    """A 422 naming query parameters (``errors.query``), not body fields."""
    error = InvalidInput(errors)
    error.errors = {"query": error.errors["json"]}
    return error


def geometry(column: Any = None) -> ColumnElement:
    """The location as geometry: lon/lat rectangles are compared on the flat map.

    Spelled `geometry(location)`, which PostgreSQL matches to the expression index
    ix_listings_location_geometry; a typed CAST (`geometry(GEOMETRY,-1)`) would not.
    """
    return func.geometry(Listing.location if column is None else column, type_=_GEOMETRY)


#: One instance for every expression (a type class given as ``type_`` is instantiated anew
#: each time, which cost a tenth of building a search's SQL).
_GEOMETRY = Geometry()


def filter_clauses(flt: ListingFilter) -> list[ColumnElement[bool]]:
    """SQL conditions of a filter (without visibility), shared by search, clusters, OGC
    and saved searches, so that they all mean the same."""
    params = filter_params(flt)
    return filter_sql(params, params.__getitem__)


def filter_params(flt: ListingFilter) -> dict[str, Any]:
    """The values of a filter's conditions by name, only those that are set: the names
    alone decide which conditions there are (see filter_sql)."""
    params: dict[str, Any] = {"status": flt.status}
    if flt.bbox is not None:
        params.update(zip(("west", "south", "east", "north"), flt.bbox, strict=True))
    if flt.near is not None:
        params["near_lat"], params["near_lon"] = flt.near
        if flt.radius_km is not None:
            params["radius_m"] = flt.radius_km * 1000.0
    optional = {"kind": flt.kind, "min_beds": flt.min_beds, "max_rent": flt.max_rent,
                "available_by": flt.available_by, "organization_id": flt.organization_id,
                "fits_household": flt.fits_household}
    params.update((name, value) for name, value in optional.items() if value is not None)
    if flt.accessible:
        params["accessible"] = True
    return params


def filter_sql(params: Container[str], value: Callable[[str], Any],
               area_index: bool = True,
               accessible_index: bool = True) -> list[ColumnElement[bool]]:
    """The conditions of the named values; ``value(name)`` gives each: the value itself,
    or a bind parameter standing for it (a search statement built once per shape).
    ``area_index=False`` spells the box tests so that no spatial index can answer them
    (`(… && …) IS TRUE`, the same test): a walk of another index checks them row by row
    and the planner cannot turn it into a bitmap scan of the area (search.py).
    ``accessible_index=False`` does the same for accessibility: a newest-first page would
    otherwise AND a bitmap of the whole partial ix_listings_accessible_knn (migration
    0032, for nearest first) into its plan."""
    def area(test: ColumnElement[bool]) -> ColumnElement[bool]:
        return test if area_index else test.is_(True)

    clauses: list[ColumnElement[bool]] = [Listing.status == value("status")]
    if "west" in params:
        envelope = func.ST_MakeEnvelope(
            value("west"), value("south"), value("east"), value("north"), 4326
        )
        clauses.append(area(geometry().op("&&")(envelope)))
    if "radius_m" in params:
        # What ST_DWithin(location, near, r, false) means, spelled so that the planner sees
        # it: the box it would search (an index condition of the GiST index that `<->`
        # walks nearest first) and the distance on the sphere. ST_DWithin's own estimate
        # (a few dozen rows where a city has tens of thousands) made the planner fetch
        # every listing in the radius and sort them; this way a search by distance walks
        # the index nearest first and stops after one page (benchmarks/README.md).
        near = geography_point(value("near_lat"), value("near_lon"))
        clauses.append(area(Listing.location.op("&&")(func._ST_Expand(near, value("radius_m")))))
        clauses.append(Listing.location.op("<->", return_type=Float)(near) <= value("radius_m"))
    if "kind" in params:
        clauses.append(Listing.kind == value("kind"))
    if "min_beds" in params:
        beds = value("min_beds")
        clauses.append(
            or_(
                and_(Listing.kind == ListingKind.FLAT, Listing.max_occupants >= beds),
                and_(Listing.kind == ListingKind.BEDS, Listing.free_beds >= beds),
            )
        )
    if "max_rent" in params:
        # Rent belongs to flats; a flat without a stated rent does not match a rent limit.
        clauses.append(
            and_(
                Listing.kind == ListingKind.FLAT,
                Listing.rent_cold + func.coalesce(Listing.utilities, 0) <= value("max_rent"),
            )
        )
    if "available_by" in params:
        day = value("available_by")
        clauses.append(
            or_(
                and_(
                    Listing.kind == ListingKind.FLAT,
                    or_(Listing.available_from.is_(None), Listing.available_from <= day),
                    or_(Listing.available_until.is_(None), Listing.available_until >= day),
                ),
                and_(
                    Listing.kind == ListingKind.BEDS,
                    or_(Listing.valid_until.is_(None), Listing.valid_until >= day),
                ),
            )
        )
    if "accessible" in params:
        accessible = or_(Listing.accessible.is_(True), Listing.accessible_beds > 0)
        clauses.append(accessible if accessible_index else accessible.is_(True))
    if "organization_id" in params:
        clauses.append(Listing.organization_id == value("organization_id"))
    if "fits_household" in params:
        clauses.append(fits_household_clause(value("fits_household")))
    return clauses


