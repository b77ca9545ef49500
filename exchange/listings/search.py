"""GET /listings: one keyset page of the listings a viewer may see that match a filter,
read as flat rows (cursors by date or distance); and the OGC collection's extent (its
pages: ogc_pages).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    bindparam,
    cast,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import joinedload

from exchange.db import geography_point
from exchange.extensions import db
from exchange.pagination import decode_cursor, encode_cursor, is_id
from exchange.profiles.models import Organization, User

from .access import (
    APPROXIMATE_GRID_M,
    METRES_PER_DEGREE,
    is_official,
    visibility,
    visibility_sql,
    visible_clause,
)
from .filters import (
    ListingFilter,
    filter_params,
    filter_sql,
    geometry,
    invalid_query,
)
from .models import Listing
from .models import ListingStatus as S


def presentation_loads() -> tuple:
    """What presenting listings reads, their organisations and owners, joined to the
    query rather than loaded one by one."""
    return joinedload(Listing.organization, innerjoin=True), joinedload(Listing.owner)


@cache
def _page_base() -> Select:
    """A search page as flat rows: the listing's columns (its point as lat and lon) and what
    it shows of its organisation and owner, under the names Listing's properties give them.
    Built once: making a select of forty columns costs more than running it."""
    point = cast(Listing.location, Geometry)
    return (
        select(
            *(column for column in Listing.__table__.columns if column.key != "location"),
            func.ST_Y(point).label("lat"),
            func.ST_X(point).label("lon"),
            Organization.name.label("organization_name"),
            Organization.verified.label("organization_verified"),
            User.name.label("owner_name"),
            User.email.label("owner_email"),
            User.phone.label("owner_phone"),
        )
        .join_from(Listing, Organization, Organization.id == Listing.organization_id)
        .outerjoin(User, User.id == Listing.owner_id)
    )


def page_select(*extra: ColumnElement) -> Select:
    """_page_base with more columns (the distance)."""
    return _page_base().add_columns(*extra) if extra else _page_base()


def _page_rows(stmt: Select, params: dict[str, Any] | None = None) -> list[Row]:
    """The rows of a page select, run on the session's connection as plain Core: they are
    columns, not entities, and the ORM's row handling cost a fifth of the request."""
    return db.session.connection().execute(stmt, params).all()


@dataclass
class SearchHit:
    listing: Row  # of page_select: dumped by page_json, or read by attribute like a Listing
    distance_m: float | None = None


@dataclass
class SearchPage:
    items: list[SearchHit]
    next_cursor: str | None
    sort: str = "newest"
    extra: dict = field(default_factory=dict)


def search_listings(viewer: User, flt: ListingFilter) -> SearchPage:
    """GET /listings: the listings the viewer may see that match, one keyset page.

    sort=newest walks the index (status, listed_at, id); sort=distance walks the GiST
    index by distance (`<->`, on the sphere) from ``near``. The cursor carries the sort key
    and id of the last item, so every page costs about the same.
    """
    flt.check()
    sort = flt.effective_sort
    reach, params = visibility(viewer, flt.status)
    params.update(filter_params(flt), page_size=flt.limit + 1)
    if sort == "newest" and flt.status == S.PUBLISHED and (cells := walk_cells(flt)):
        params["walk_cells"] = cells
    if flt.cursor:
        params.update(_cursor_params(flt.cursor, sort))
    rows = _page_rows(_search_statement(sort, reach, frozenset(params)), params)
    if sort == "distance":
        # Only when the row after the page lies as far as the page's last one can more
        # listings at that distance be left out (the index gives ties in no order).
        if len(rows) > flt.limit and rows[-1].distance_m == rows[-2].distance_m:
            rows = _with_ties(rows, reach, params, flt.limit)
        else:
            rows = sorted(rows, key=lambda row: (row.distance_m, row.id))
    more = len(rows) > flt.limit
    hits = [
        SearchHit(row, row.distance_m if flt.near is not None else None)
        for row in rows[: flt.limit]
    ]
    next_cursor = None
    if more and hits:
        last = hits[-1]
        key = last.listing.listed_at.isoformat() if sort == "newest" else last.distance_m
        next_cursor = encode_cursor([sort, key, last.listing.id])
    return SearchPage(hits, next_cursor, sort)


#: Search statements by shape (sort, visibility, the names of the values), each built once
#: with bind parameters: building a search's SQL and its cache key cost more than a city
#: viewport's query at 10k listings. Shapes are few (which filters are set), but bounded.
_SEARCH_STATEMENTS: dict[tuple, Select] = {}
_SEARCH_STATEMENTS_MAX = 1024
#: Types of bind parameters that no column comparison gives them.
_PARAM_TYPES = {name: Float() for name in
                ("west", "south", "east", "north", "near_lat", "near_lon", "radius_m",
                 "after_distance")}
_PARAM_TYPES["walk_cells"] = ARRAY(Integer())

#: The grid of newest-first walks (migration 0032's listing_walk_cell, level 10), and the
#: most cells an area may touch to be walked cell by cell (a larger area holds enough
#: listings for the one walk over the whole country to end soon).
WALK_CELL = 360 / 2**10
WALK_CELLS_MAX = 48
_METRES_PER_DEGREE_MIN = 110_574  # a degree of latitude at the equator, the shortest


def walk_cells(flt: ListingFilter) -> list[int] | None:
    """The cells of listing_walk_cell that the filter's radius (and box) touches, or None
    without a radius or when it touches more than WALK_CELLS_MAX. A box alone is walked
    by ix_listings_published_map (migration 0006): a viewport's page costs little there."""
    if flt.near is None or flt.radius_km is None:
        return None
    lat, lon = flt.near
    # A little wider than the box _ST_Expand searches: more cells only cost a walk.
    dlat = flt.radius_km * 1000 / _METRES_PER_DEGREE_MIN * 1.01
    dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 0.01)
    west, south, east, north = lon - dlon, lat - dlat, lon + dlon, lat + dlat
    if flt.bbox is not None:
        west, south = max(west, flt.bbox[0]), max(south, flt.bbox[1])
        east, north = min(east, flt.bbox[2]), min(north, flt.bbox[3])
        if west > east or south > north:
            return [0]  # the box and the radius do not meet: nothing matches anyway
    xs = range(math.floor(west / WALK_CELL), math.floor(east / WALK_CELL) + 1)
    ys = range(math.floor(south / WALK_CELL), math.floor(north / WALK_CELL) + 1)
    if len(xs) * len(ys) > WALK_CELLS_MAX or west < -180 or east > 180:
        return None
    # Cells of the box's corners that the circle misses hold nothing to find, but may hold
    # a city whose listings a walk would read and drop one by one.
    reach = flt.radius_km * 1000 * 1.02 + 100
    return [x * 1024 + y for x in xs for y in ys
            if _metres_to_cell(flt.near, x, y) <= reach] or [0]


def _metres_to_cell(near: tuple[float, float], x: int, y: int) -> float:
    """About how far the cell's nearest point lies from ``near`` (haversine)."""
    lat, lon = near
    cell_lat = min(max(lat, y * WALK_CELL), (y + 1) * WALK_CELL)
    cell_lon = min(max(lon, x * WALK_CELL), (x + 1) * WALK_CELL)
    phi1, phi2 = math.radians(lat), math.radians(cell_lat)
    half = (math.sin((phi2 - phi1) / 2) ** 2
            + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(cell_lon - lon) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(half)))


def _search_statement(sort: str, reach: str, names: frozenset[str]) -> Select:
    """The search of that shape, its values bind parameters named as in the params."""
    shape = (sort, reach, names)
    if (stmt := _SEARCH_STATEMENTS.get(shape)) is not None:
        return stmt
    binds: dict[str, BindParameter] = {}

    def value(name: str) -> BindParameter:
        if name not in binds:
            binds[name] = bindparam(name, type_=_PARAM_TYPES.get(name),
                                    expanding=name == "viewer_organizations")
        return binds[name]

    conditions = _search_conditions(sort, reach, names, value,
                                    area_index="walk_cells" not in names,
                                    accessible_index=sort == "distance")
    if sort == "newest":
        newest = (Listing.listed_at.desc(), Listing.id.desc())
        # The page's ids first, then its rows. For published listings in a viewport the ids
        # come from ix_listings_published_map alone (an index-only scan), so the heap is read
        # for the page's rows only, not for every listing in the viewport (migration 0006).
        if "walk_cells" in names:
            page_ids = _walk_by_cell(conditions, value)
        else:
            page_ids = (select(Listing.id).where(*conditions).order_by(*newest)
                        .limit(value("page_size")))
        # With near, newest first still says how far each listing is.
        extra = [_distance(value).label("distance_m")] if "near_lat" in names else []
        stmt = (page_select(*extra).where(Listing.id.in_(page_ids.scalar_subquery()))
                .order_by(*newest))
    else:
        distance = _distance(value)
        # By distance alone: PostgreSQL walks the GiST index by distance only when it is the
        # sole sort key (ties at the page's end: _with_ties).
        stmt = (page_select(distance.label("distance_m")).where(*conditions)
                .order_by(distance).limit(value("page_size")))
    if len(_SEARCH_STATEMENTS) >= _SEARCH_STATEMENTS_MAX:
        _SEARCH_STATEMENTS.clear()
    _SEARCH_STATEMENTS[shape] = stmt
    return stmt


def _walk_by_cell(conditions: list[ColumnElement[bool]],
                  value: Callable[[str], Any]) -> Select:
    """A newest-first page's ids as one walk of ix_listings_published_cell_newest per cell
    of the area (each stops after a page), merged: rows outside the area or failing a
    filter are skipped within the area's own cells, not across the whole country."""
    cell = func.unnest(value("walk_cells")).table_valued("cell").render_derived(name="walk")
    walk = (select(Listing.id, Listing.listed_at)
            .where(func.listing_walk_cell(Listing.location) == cell.c.cell, *conditions)
            .order_by(Listing.listed_at.desc(), Listing.id.desc())
            .limit(value("page_size")).lateral("walked"))
    return (select(walk.c.id).select_from(cell).join(walk, true())
            .order_by(walk.c.listed_at.desc(), walk.c.id.desc()).limit(value("page_size")))


def _search_conditions(
    sort: str, reach: str, names: Container[str], value: Callable[[str], Any],
    area_index: bool = True, accessible_index: bool = True,
) -> list[ColumnElement[bool]]:
    """Visibility, filters and the cursor of a search; ``value(name)`` gives each value."""
    conditions = [visibility_sql(reach, names, value),
                  *filter_sql(names, value, area_index, accessible_index)]
    if "after_id" in names:
        if sort == "newest":
            conditions.append(tuple_(Listing.listed_at, Listing.id)
                              < tuple_(value("after_listed_at"), value("after_id")))
        else:
            conditions.append(tuple_(_distance(value), Listing.id)
                              > tuple_(value("after_distance"), value("after_id")))
    return conditions


def _distance(value: Callable[[str], Any]) -> ColumnElement[float]:
    point = geography_point(value("near_lat"), value("near_lon"))
    return Listing.location.op("<->", return_type=Float)(point)


def _with_ties(rows: list[Row], reach: str, params: dict[str, Any], limit: int) -> list[Row]:
    """limit + 1 rows by (distance, id): the listings that share the distance of the last
    row (several flats in one house) are fetched whole and ordered by id, so the page ends
    at the same place whatever order the index gave the ties in."""
    boundary = rows[-1].distance_m
    value = params.__getitem__
    distance = _distance(value)
    near = geography_point(params["near_lat"], params["near_lon"])
    ties = _page_rows(
        page_select(distance.label("distance_m")).where(
            *_search_conditions("distance", reach, params, value),
            func.ST_DWithin(Listing.location, near, boundary * 1.000001 + 0.01, False),
            distance == boundary,
        )
    )
    closer = [row for row in rows if row.distance_m < boundary]
    return sorted(closer + ties, key=lambda row: (row.distance_m, row.id))[: limit + 1]


def _cursor_params(cursor: str, sort: str) -> dict[str, Any]:
    """The sort key and id of the last item before this page, from the cursor."""
    bad = invalid_query({"cursor": "Not a valid cursor for this search."})
    values = decode_cursor(cursor)
    if len(values) != 3 or values[0] != sort or not is_id(values[2]):
        raise bad
    _sort, key, last_id = values
    if sort == "newest":
        try:
            after = datetime.fromisoformat(key)
        except (TypeError, ValueError) as exc:
            raise bad from exc
        if after.tzinfo is None:
            raise bad
        return {"after_listed_at": after, "after_id": last_id}
    if type(key) not in (int, float) or not math.isfinite(key):
        raise bad
    return {"after_distance": float(key), "after_id": last_id}


@dataclass(frozen=True)
class PublishedExtent:
    """Where and when the published listings a viewer may see lie (OGC collection extent)."""

    bbox: tuple[float, float, float, float] | None  # min_lon, min_lat, max_lon, max_lat
    first_listed: datetime | None
    last_listed: datetime | None


def published_extent(viewer: User) -> PublishedExtent:
    """The extent of the published listings the viewer may see. For a viewer who sees
    some of them only approximately (everyone but officials) the box is widened by a grid
    cell, so that it holds the rounded points shown and tells no exact corner."""
    point = geometry()
    row = db.session.execute(
        select(
            func.min(func.ST_X(point)), func.min(func.ST_Y(point)),
            func.max(func.ST_X(point)), func.max(func.ST_Y(point)),
            func.min(Listing.listed_at), func.max(Listing.listed_at),
        ).where(visible_clause(viewer, S.PUBLISHED), Listing.status == S.PUBLISHED)
    ).one()
    min_lon, min_lat, max_lon, max_lat, first_listed, last_listed = row
    if min_lon is None:
        return PublishedExtent(None, None, None)
    if not is_official(viewer):
        lat_step = APPROXIMATE_GRID_M / METRES_PER_DEGREE
        widest = min(max(abs(min_lat), abs(max_lat)) + lat_step, 89.0)
        lon_step = lat_step / max(math.cos(math.radians(widest)), 0.01)
        min_lon, max_lon = max(min_lon - lon_step, -180.0), min(max_lon + lon_step, 180.0)
        min_lat, max_lat = max(min_lat - lat_step, -90.0), min(max_lat + lat_step, 90.0)
    return PublishedExtent((min_lon, min_lat, max_lon, max_lat), first_listed, last_listed)

