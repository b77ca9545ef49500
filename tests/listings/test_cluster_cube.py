"""Filtered clusters from `listing_filter_cells` (migration 0032): the same clusters as
grouping the rows, for every filter the counts answer, through inserts, updates of each
counted column, status changes and deletes; filters the counts cannot answer exactly go
to the rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from exchange.extensions import db
from exchange.listings import cluster_cube, clusters
from exchange.listings.filters import ListingFilter
from tests.dates import day

GERMANY = (5.5, 47.0, 15.5, 55.2)
LOWER_SAXONY = (6.6, 51.3, 11.6, 53.9)

FILTERS = [
    ListingFilter(kind="flat"),
    ListingFilter(kind="beds", min_beds=3),
    ListingFilter(accessible=True),
    ListingFilter(min_beds=1),
    ListingFilter(min_beds=4),
    ListingFilter(min_beds=10),
    ListingFilter(max_rent=Decimal("0")),
    ListingFilter(max_rent=Decimal("700")),
    ListingFilter(max_rent=Decimal("701")),
    ListingFilter(max_rent=Decimal("4093")),
    ListingFilter(kind="flat", accessible=True, max_rent=Decimal("900")),
    ListingFilter(kind="beds", accessible=True, max_rent=Decimal("900")),
    ListingFilter(accessible=True, min_beds=2, max_rent=Decimal("650")),
]


def _fill(organization_id: int, owner_id: int, count: int = 600) -> None:
    """Flats and beds over Germany in one statement: rents with cents around the limits
    (some exactly on them, some without a rent), beds from none to above the cap."""
    db.session.execute(
        text(
            "INSERT INTO listings (kind, status, title, postal_code, city, location,"
            " organization_id, owner_id, max_occupants, rent_cold, utilities, accessible,"
            " free_beds, accessible_beds, source, expires_at)"
            " SELECT CASE WHEN n % 3 = 0 THEN 'beds' ELSE 'flat' END,"
            "  CASE WHEN n % 17 = 0 THEN 'draft' ELSE 'published' END, 'l ' || n, '10115',"
            "  'Irgendwo', ST_SetSRID(ST_MakePoint(6 + (n % 40) * 0.23 + (n % 7) * 0.01,"
            "  47.5 + (n / 40) * 0.45 + (n % 5) * 0.013), 4326)::geography,"
            "  :org, :owner,"
            "  CASE WHEN n % 3 = 0 THEN NULL ELSE 1 + n % 12 END,"
            "  CASE WHEN n % 3 = 0 OR n % 11 = 0 THEN NULL"
            "       WHEN n % 13 = 0 THEN 700 - (n % 4) * 100 ELSE 300 + (n * 37 % 900) + 0.5 END,"
            "  CASE WHEN n % 3 = 0 OR n % 2 = 0 THEN NULL ELSE (n % 4) * 50.25 END,"
            "  n % 3 <> 0 AND n % 4 = 0,"
            "  CASE WHEN n % 3 = 0 THEN n % 14 END,"
            "  CASE WHEN n % 3 = 0 THEN n % 2 END,"
            "  CASE WHEN n % 3 = 0 THEN 'manual' END,"
            "  now() + interval '14 days'"
            " FROM generate_series(0, :last) AS n"
        ),
        {"org": organization_id, "owner": owner_id, "last": count - 1},
    )


def _both(viewer, flt: ListingFilter, bbox, zoom: int) -> tuple[list, list]:
    """The clusters from the counts and from the rows, comparable."""
    level = clusters.cluster_level(bbox, zoom)
    size = clusters.cell_size(level)
    x0, x1 = clusters._cell_range(bbox[0], bbox[2], size)
    y0, y1 = clusters._cell_range(bbox[1], bbox[3], size)
    cell_bbox = (x0 * size, y0 * size, (x1 + 1) * size, (y1 + 1) * size)
    assert cluster_cube.answers(flt, level)
    cube = cluster_cube.clusters_from_filter_cells(level, flt, (x0, x1), (y0, y1))
    rows = clusters._clusters_from_listings(viewer, replace(flt, bbox=cell_bbox), size)

    def key(found):
        # The rows give the smallest id, the counts the sum: one listing's id either way.
        return sorted((int(c), int(b or 0), round(lon, 6), round(lat, 6),
                       int(i) if c == 1 else None) for c, b, lon, lat, i in found)

    return key(cube), key(rows)


def _same_everywhere(viewer) -> None:
    for flt in FILTERS:
        for bbox, zoom in ((GERMANY, 4), (GERMANY, 6), (LOWER_SAXONY, 8), (LOWER_SAXONY, 10)):
            cube, rows = _both(viewer, flt, bbox, zoom)
            assert cube == rows, (flt, zoom)
    assert any(_both(viewer, flt, GERMANY, 6)[0] for flt in FILTERS)


def _table() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(
        "SELECT level, node, cx, cy, kind, accessible, beds, listings, free_beds, sum_id"
        " FROM listing_filter_cells ORDER BY 1, 2, 3, 4, 5, 6, 7"))]


@pytest.fixture
def official_and_owner(make_user):
    db.session.execute(text("DELETE FROM listings"))
    owner = make_user(role="landlord")
    _fill(owner.memberships[0].organization_id, owner.id)
    return make_user(role="official"), owner


def test_counts_equal_the_rows_for_every_filter_they_answer(official_and_owner, app):
    official, _owner = official_and_owner
    with app.test_request_context():
        _same_everywhere(official)


def test_counts_follow_updates_of_each_counted_column_and_deletes(official_and_owner, app):
    official, _owner = official_and_owner
    for statement in (
        "UPDATE listings SET rent_cold = rent_cold + 99.5 WHERE id % 5 = 0",
        "UPDATE listings SET utilities = 12.5 WHERE id % 7 = 0 AND kind = 'flat'",
        "UPDATE listings SET accessible = NOT accessible WHERE id % 3 = 1",
        "UPDATE listings SET max_occupants = 3 WHERE kind = 'flat' AND id % 4 = 1",
        "UPDATE listings SET free_beds = free_beds + 5, accessible_beds = 0"
        " WHERE kind = 'beds' AND id % 2 = 0",
        "UPDATE listings SET status = 'published' WHERE status = 'draft'",
        "UPDATE listings SET status = 'reserved' WHERE id % 9 = 0",
        "UPDATE listings SET location = ST_SetSRID(ST_MakePoint(9.5, 52.5), 4326)::geography"
        " WHERE id % 8 = 0",
        "UPDATE listings SET title = 'renamed'",
        "DELETE FROM listings WHERE id % 6 = 0",
    ):
        db.session.execute(text(statement))
        with app.test_request_context():
            _same_everywhere(official)
    kept = _table()
    db.session.execute(text("SELECT listing_filter_cells_rebuild()"))
    assert _table() == kept


def test_every_listing_is_counted_once_per_level_whatever_its_rent(official_and_owner):
    # The Fenwick root (rent) and node 0 (no rent) hold each published listing once.
    published = db.session.execute(
        text("SELECT count(*) FROM listings WHERE status = 'published'")).scalar_one()
    for level in cluster_cube.CUBE_LEVELS:
        total = db.session.execute(text(
            "SELECT sum(listings) FROM listing_filter_cells WHERE level = :level"
            " AND node IN (0, 4096)"), {"level": level}).scalar_one()
        assert total == published


def test_filters_the_counts_cannot_answer_go_to_the_rows(official_and_owner, app):
    official, _owner = official_and_owner
    level = 8
    assert not cluster_cube.answers(ListingFilter(max_rent=Decimal("700.50")), level)
    assert not cluster_cube.answers(ListingFilter(min_beds=11), level)
    assert not cluster_cube.answers(ListingFilter(available_by=day(30)), level)
    assert not cluster_cube.answers(ListingFilter(fits_household=3), level)
    assert not cluster_cube.answers(ListingFilter(kind="flat"), 13)
    with app.test_request_context():
        limit = clusters.listing_clusters(official, GERMANY, 6,
                                          ListingFilter(max_rent=Decimal("700.50")))
        whole = clusters.listing_clusters(official, GERMANY, 6,
                                          ListingFilter(max_rent=Decimal("700")))
    rows = db.session.execute(text(
        "SELECT count(*) FILTER (WHERE rent_cold + coalesce(utilities, 0) <= 700.50),"
        " count(*) FILTER (WHERE rent_cold + coalesce(utilities, 0) <= 700)"
        " FROM listings WHERE status = 'published' AND kind = 'flat'")).one()
    assert sum(c.count for c in limit.clusters) == rows[0]
    assert sum(c.count for c in whole.clusters) == rows[1]
    assert rows[0] > rows[1]  # rents of x.50 lie between the two limits


def test_a_listing_appears_in_the_filtered_clusters_when_published(as_user, make_listing):
    official = as_user(role="official")
    url = "/api/v1/listings/clusters?bbox=7,51,9,53&zoom=8&accessible=true&max_rent=900"
    before = sum(c["count"] for c in official.get(url).get_json()["clusters"])
    listing = make_listing(lat=52.0, lon=8.0, rent_cold=Decimal("849.99"), accessible=True,
                           utilities=Decimal("50.00"), status="draft")
    assert sum(c["count"] for c in official.get(url).get_json()["clusters"]) == before
    listing.status = "published"
    listing.expires_at = listing.created_at + timedelta(days=14)
    db.session.flush()
    assert sum(c["count"] for c in official.get(url).get_json()["clusters"]) == before + 1
