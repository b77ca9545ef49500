"""Filtered clusters from counts: `listing_filter_cells` (migration 0032) holds published
listings per grid cell by kind, accessibility, beds (capped) and a Fenwick tree over the
whole-euro rent, kept by the database's triggers. A filter on those dimensions is a sum
over a bounded number of rows whatever the table size: per cell and combination of kind,
accessible and beds, at most a dozen Fenwick nodes. Counts are exact; a filter the counts
cannot answer exactly (dates, organisation, household, beds above the cap, a rent with
cents) is grouped from the rows instead (clusters.py)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, func, select

from exchange.extensions import db

from .filters import ListingFilter
from .models import ListingFilterCell as C

#: Grid levels the triggers keep (must match the migration's FIRST_LEVEL..LAST_LEVEL).
CUBE_LEVELS = range(3, 13)
BEDS_CAP = 10
RENT_CAP = 4094
RENT_NODES = 4096  # the Fenwick root: every listing with a rent
NO_RENT = 0  # the node of listings without a rent (beds, flats without a stated rent)

#: Filter fields the counts answer; any other field set means rows.
_ANSWERED = {"bbox", "kind", "min_beds", "max_rent", "accessible", "status", "sort", "limit",
             "cursor"}


def answers(flt: ListingFilter, level: int) -> bool:
    """Whether the counts give the exact clusters of that filter at that level."""
    if level not in CUBE_LEVELS:
        return False
    defaults = ListingFilter()
    for name in ListingFilter.__dataclass_fields__:
        if name not in _ANSWERED and getattr(flt, name) != getattr(defaults, name):
            return False
    if flt.min_beds is not None and not 0 <= flt.min_beds <= BEDS_CAP:
        return False
    if flt.max_rent is not None:
        rent = Decimal(flt.max_rent)
        return rent == rent.to_integral_value() and 0 <= rent < RENT_CAP
    return True


def rent_nodes(max_rent: Decimal | None) -> list[int]:
    """The Fenwick nodes whose sum is the listings with rent ≤ max_rent (whole euros), or
    every listing when there is no rent limit."""
    if max_rent is None:
        return [NO_RENT, RENT_NODES]
    nodes = []
    position = int(max_rent) + 1  # a rent r is stored at position r + 1
    while position > 0:
        nodes.append(position)
        position -= position & -position
    return nodes


def clusters_from_filter_cells(level: int, flt: ListingFilter, xs: tuple[int, int],
                               ys: tuple[int, int]) -> list[tuple]:
    """(count, free beds, sum of lon, sum of lat, sum of ids) per non-empty cell."""
    params = {"level": level, "nodes": rent_nodes(flt.max_rent), "x0": xs[0], "x1": xs[1],
              "y0": ys[0], "y1": ys[1], "kind": flt.kind, "min_beds": flt.min_beds}
    stmt = _statement(flt.kind is not None, flt.accessible, flt.min_beds is not None)
    return [tuple(row) for row in db.session.execute(stmt, params)]


@cache
def _statement(kind: bool, accessible: bool, min_beds: bool) -> Select:
    """The counts' query for the filters that are set, with bind parameters: built once,
    since building it cost a third of the request (a map's filter change asks for it)."""
    stmt = (
        select(func.sum(C.listings), func.sum(C.free_beds), func.sum(C.sum_lon),
               func.sum(C.sum_lat), func.sum(C.sum_id))
        .where(C.level == bindparam("level"),
               C.node.in_(bindparam("nodes", expanding=True)),
               C.cx.between(bindparam("x0"), bindparam("x1")),
               C.cy.between(bindparam("y0"), bindparam("y1")))
        .group_by(C.cx, C.cy)
        .having(func.sum(C.listings) > 0)
    )
    if kind:
        stmt = stmt.where(C.kind == bindparam("kind"))
    if accessible:
        stmt = stmt.where(C.accessible.is_(True))
    if min_beds:
        stmt = stmt.where(C.beds >= bindparam("min_beds"))
    return stmt
