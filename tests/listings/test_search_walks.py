"""Newest first in a box or radius walks the area's grid cells one by one and merges them
(search.walk_cells, migration 0032): the same pages as one walk over every listing, across
cell edges, with every filter and cursor; areas too large or without a box go the old way.
Nearest first reads the ties at a page's end only when there are any."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, text

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings import search
from exchange.listings.filters import ListingFilter

# A corner of four level-10 cells (0.3515625°) near Osnabrück: 8.0859375 E, 52.3828125 N.
CORNER = (52.3828125, 8.0859375)


@pytest.fixture
def official(as_user):
    return as_user(role="official")


def _walk(client, url: str) -> list[int]:
    seen, cursor = [], None
    for _page in range(100):
        page = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("more than 100 pages")


def _expected(where: str, params: dict) -> list[int]:
    return list(db.session.execute(text(
        "SELECT id FROM listings WHERE status = 'published' AND " + where
        + " ORDER BY listed_at DESC, id DESC"), params).scalars())


@pytest.fixture
def around_the_corner(make_listing):
    db.session.execute(text("DELETE FROM listings"))
    now = utcnow()
    made = []
    for n in range(40):
        lat = CORNER[0] + (n % 5 - 2) * 0.07 + n * 0.0003
        lon = CORNER[1] + (n % 7 - 3) * 0.09
        made.append(make_listing(
            lat=lat, lon=lon, listed_at=now - timedelta(minutes=n % 6),
            accessible=n % 3 == 0, rent_cold=Decimal(500 + 40 * (n % 9)),
            status="draft" if n % 11 == 0 else "published"))
    return made


def test_a_radius_newest_first_pages_like_one_walk(official, around_the_corner):
    lat, lon = CORNER
    flt = ListingFilter(near=CORNER, radius_km=20, sort="newest")
    assert len(search.walk_cells(flt)) > 1
    expected = _expected("ST_DWithin(location, ST_MakePoint(:lon, :lat)::geography, 20000)",
                         {"lat": lat, "lon": lon})
    assert 10 < len(expected) < 35
    url = f"/api/v1/listings?near={lat},{lon}&radius_km=20&sort=newest&limit=4"
    assert _walk(official, url) == expected


def test_a_radius_and_box_with_filters_newest_first_pages_like_one_walk(official,
                                                                       around_the_corner):
    lat, lon = CORNER
    bbox = (7.9, 52.25, 8.3, 52.5)
    flt = ListingFilter(bbox=bbox, near=CORNER, radius_km=30)
    assert len(search.walk_cells(flt)) == 4
    expected = _expected(
        "ST_X(location::geometry) BETWEEN 7.9 AND 8.3"
        " AND ST_Y(location::geometry) BETWEEN 52.25 AND 52.5"
        " AND ST_DWithin(location, ST_MakePoint(:lon, :lat)::geography, 30000)"
        " AND accessible AND kind = 'flat' AND rent_cold + coalesce(utilities, 0) <= 900",
        {"lat": lat, "lon": lon})
    assert len(expected) > 3
    url = (f"/api/v1/listings?bbox=7.9,52.25,8.3,52.5&near={lat},{lon}&radius_km=30"
           "&sort=newest&limit=2&accessible=true&kind=flat&max_rent=900")
    assert _walk(official, url) == expected


def _statements(client, url: str) -> list[str]:
    """The statements on listings that one request sent."""
    statements = []
    engine = db.session.get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [statement for statement in statements if "FROM listings" in statement]


def test_a_small_radius_newest_first_is_walked_by_cell(official, around_the_corner):
    url = f"/api/v1/listings?near={CORNER[0]},{CORNER[1]}&radius_km=20&sort=newest"
    assert any("listing_walk_cell" in statement for statement in _statements(official, url))


def test_nearest_first_reads_the_ties_only_when_the_page_ends_in_one(official, make_listing):
    db.session.execute(text("DELETE FROM listings"))
    for n in range(6):
        make_listing(lat=52.0 + 0.01 * n, lon=8.0)
    assert len(_statements(official, "/api/v1/listings?near=52,8&limit=3")) == 1
    make_listing(lat=52.02, lon=8.0)  # a third listing as far as the page's last
    url = "/api/v1/listings?near=52,8&limit=3"
    assert len(_statements(official, url)) == 2
    first = official.get(url).get_json()
    second = official.get(url + f"&cursor={first['next_cursor']}").get_json()
    distances = [item["distance_km"] for item in first["items"] + second["items"]]
    assert distances == sorted(distances) and len(distances) == 6


def test_large_areas_and_other_sorts_walk_the_old_way():
    assert search.walk_cells(ListingFilter(bbox=(7.9, 52.25, 8.3, 52.5))) is None
    assert search.walk_cells(ListingFilter(near=CORNER)) is None
    assert search.walk_cells(ListingFilter(near=CORNER, radius_km=400)) is None
    assert search.walk_cells(ListingFilter(bbox=(0.1, 0.1, 0.2, 0.2), near=CORNER,
                                           radius_km=5)) == [0]


def test_only_nearest_first_lets_the_planner_use_the_accessible_index(official):
    """Newest first spells accessibility `(…) IS true` (the same test): a plain one let the
    planner AND a bitmap of the whole partial accessible index into a box's page."""
    box = "bbox=7.9,52.25,8.3,52.5&accessible=true"
    (newest,) = _statements(official, f"/api/v1/listings?{box}&sort=newest")
    (nearest,) = _statements(official, f"/api/v1/listings?{box}&near=52.3,8.1")
    assert "listings.accessible_beds > %(accessible_beds_1)s::INTEGER) IS true" in newest
    assert ") IS true" not in nearest
