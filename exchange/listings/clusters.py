"""The map's clusters: published listings counted per grid cell in PostGIS."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from functools import cache

from sqlalchemy import Select, bindparam, func, literal_column, select, text

from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import User

from .access import approximate, is_official, visible_clause
from .cluster_cube import answers, clusters_from_filter_cells
from .filters import ListingFilter, filter_clauses, geometry
from .models import Listing, ListingCell
from .models import ListingStatus as S

#: Cluster grid levels kept by the listings_cells trigger (migration 0003): cell size is
#: 360 / 2**level degrees. Above the finest level, clusters are computed from the rows.
CELL_LEVELS = range(3, 17)
MAX_CLUSTERS = 500


@dataclass
class Cluster:
    lat: float
    lon: float
    count: int
    free_beds: int
    listing_id: int | None = None


@dataclass
class ClusterResult:
    level: int
    cell_deg: float
    clusters: list[Cluster]


def cell_size(level: int) -> float:
    """The side of a grid cell of ``level``, in degrees."""
    return 360.0 / 2**level


def _cell_range(low: float, high: float, size: float) -> tuple[int, int]:
    return math.floor(low / size), math.floor(high / size)


def cluster_level(bbox: tuple[float, float, float, float], zoom: int) -> int:
    """The grid level for a map zoom (about four cells per 256-px tile), coarsened until
    the viewport holds at most MAX_CLUSTERS cells."""
    level = max(zoom + 2, CELL_LEVELS.start)
    while level > CELL_LEVELS.start:
        size = cell_size(level)
        x0, x1 = _cell_range(bbox[0], bbox[2], size)
        y0, y1 = _cell_range(bbox[1], bbox[3], size)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_CLUSTERS:
            break
        level -= 1
    return level


def listing_clusters(
    viewer: User,
    bbox: tuple[float, float, float, float],
    zoom: int,
    flt: ListingFilter | None = None,
) -> ClusterResult:
    """Published listings the viewer may see, counted per grid cell in PostGIS.

    The cells cover the viewport whole (a cell at its edge counts all its listings). Staff
    see every published listing, so for them the counts come from `listing_cells`, which
    the database keeps per level: a few hundred rows for any table size; filters on
    accessibility, beds and rent come from `listing_filter_cells` (cluster_cube.py). Other
    filters, landlords' own listings and the finest zooms are grouped from the rows.
    """
    flt = replace(flt or ListingFilter(), bbox=bbox, status=S.PUBLISHED, cursor=None)
    flt.check()
    level = cluster_level(bbox, zoom)
    size = cell_size(level)
    x0, x1 = _cell_range(bbox[0], bbox[2], size)
    y0, y1 = _cell_range(bbox[1], bbox[3], size)
    only_kind = all(
        getattr(flt, f.name) == f.default
        for f in fields(ListingFilter)
        if f.name not in ("bbox", "kind", "status", "sort", "limit", "cursor")
    )
    staff = authz.is_staff(viewer)
    if staff and level in CELL_LEVELS and only_kind:
        rows = _clusters_from_cells(level, flt.kind, (x0, x1), (y0, y1))
    elif staff and answers(flt, level):
        rows = clusters_from_filter_cells(level, flt, (x0, x1), (y0, y1))
    else:
        cell_bbox = (x0 * size, y0 * size, (x1 + 1) * size, (y1 + 1) * size)
        rows = _clusters_from_listings(viewer, replace(flt, bbox=cell_bbox), size)
    exact = is_official(viewer)
    clusters = []
    for count, free_beds, sum_lon, sum_lat, listing_id in rows:
        lat, lon = sum_lat / count, sum_lon / count
        if not exact:
            lat, lon = approximate(lat, lon)
        clusters.append(
            Cluster(
                round(lat, 6),
                round(lon, 6),
                int(count),
                int(free_beds or 0),
                int(listing_id) if count == 1 else None,
            )
        )
    return ClusterResult(level, size, clusters)


def _clusters_from_cells(level, kind, xs, ys) -> list[tuple]:
    params = {"level": level, "kind": kind, "x0": xs[0], "x1": xs[1], "y0": ys[0], "y1": ys[1]}
    return [tuple(row) for row in db.session.execute(_cells_statement(kind is not None),
                                                     params)]


@cache
def _cells_statement(by_kind: bool) -> Select:
    """The cell counts' query, with bind parameters: built once per shape."""
    stmt = (
        select(
            func.sum(ListingCell.listings),
            func.sum(ListingCell.free_beds),
            func.sum(ListingCell.sum_lon),
            func.sum(ListingCell.sum_lat),
            func.sum(ListingCell.sum_id),
        )
        .where(
            ListingCell.level == bindparam("level"),
            ListingCell.cx.between(bindparam("x0"), bindparam("x1")),
            ListingCell.cy.between(bindparam("y0"), bindparam("y1")),
            ListingCell.listings > 0,
        )
        .group_by(ListingCell.cx, ListingCell.cy)
    )
    if by_kind:
        stmt = stmt.where(ListingCell.kind == bindparam("kind"))
    return stmt


def _clusters_from_listings(viewer: User, flt: ListingFilter, size: float) -> list[tuple]:
    x = func.ST_X(geometry())
    y = func.ST_Y(geometry())
    grid = literal_column(repr(size))  # a literal: the GROUP BY must repeat it exactly
    stmt = (
        select(
            func.floor(x / grid),
            func.floor(y / grid),
            func.count(),
            func.sum(func.coalesce(Listing.free_beds, 0)),
            func.sum(x),
            func.sum(y),
            func.min(Listing.id),
        )
        .where(visible_clause(viewer, flt.status), *filter_clauses(flt))
        .group_by(text("1"), text("2"))
    )
    return [(row[2], row[3], row[4], row[5], row[6]) for row in db.session.execute(stmt)]


def rebuild_listing_cells() -> None:
    """Recompute the cluster counts from the listings (after a bulk load with the trigger
    disabled, or to repair them)."""
    db.session.execute(text("SELECT listing_cells_rebuild()"))

