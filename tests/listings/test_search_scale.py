"""The map search stays cheap at a million listings (benchmarks/listings.py measures it):
a viewport's newest page takes its ids from the covering index alone.

The plan is checked on a country-wide table of 20,000 generated listings in a database of
its own (benchmarks/generate_listings.py, vacuumed and analysed as at scale): in the
rolled-back test transaction the table is too small and never vacuumed, so the planner
would not show what it does with real data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, make_url

from exchange.config import TestingConfig
from exchange.extensions import db
from exchange.listings import search
from exchange.listings.filters import ListingFilter

ROOT = Path(__file__).resolve().parents[2]
OSNABRUECK_VIEWPORT = (7.97, 52.23, 8.12, 52.33)
GERMANY = (5.5, 47.0, 15.5, 55.2)
COUNTRY_LISTINGS = 20_000


@pytest.fixture(scope="module")
def country_url() -> str:
    """A database with listings spread over Germany (made once, kept between runs)."""
    base = make_url(os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI))
    url = base.set(drivername="postgresql", database=f"{base.database}_country")
    url = url.render_as_string(hide_password=False)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.generate_listings", str(COUNTRY_LISTINGS),
         "--url", url],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return url


def _search_sql(viewer, flt: ListingFilter) -> list[tuple[str, object]]:
    connection = db.session.connection()
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        search.search_listings(viewer, flt)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return [(s, p) for s, p in statements if "FROM listings" in s]


def _plan(country_url: str, viewer, flt: ListingFilter) -> str:
    """EXPLAIN ANALYZE of the search's statement, run on the country-wide table."""
    statement, parameters = _search_sql(viewer, flt)[0]
    with psycopg.connect(country_url) as conn:
        return "\n".join(
            row[0] for row in conn.execute("EXPLAIN (ANALYZE) " + statement, parameters)
        )


def test_viewport_page_ids_come_from_the_covering_index(make_user, country_url):
    official = make_user(role="official")
    plan = _plan(country_url, official, ListingFilter(bbox=OSNABRUECK_VIEWPORT))
    # Not every listing in the viewport read from the heap to sort them by date: the ids of
    # the page come from the index, and only the page's rows from the table.
    assert "Index Only Scan using ix_listings_published_map" in plan, plan


def test_viewport_page_is_the_newest_first_with_cursor(make_user, make_listing):
    official = make_user(role="official")
    made = [make_listing(lat=52.28, lon=8.05 + n / 1000) for n in range(5)]
    make_listing(lat=52.28, lon=8.06, status="draft")
    make_listing(lat=53.55, lon=9.99)  # Hamburg, outside
    flt = ListingFilter(bbox=OSNABRUECK_VIEWPORT, limit=3)
    first = search.search_listings(official, flt)
    second = search.search_listings(
        official, ListingFilter(bbox=OSNABRUECK_VIEWPORT, limit=3, cursor=first.next_cursor)
    )
    newest = sorted(made, key=lambda listing: (listing.listed_at, listing.id), reverse=True)
    assert [hit.listing.id for hit in first.items + second.items] == [x.id for x in newest]
    assert second.next_cursor is None


def test_a_dense_viewport_walks_the_newest_index_and_stops_after_one_page(
    make_user, country_url
):
    """Where a viewport holds a large share of all listings (here: all Germany), its newest
    page is found by walking the published listings newest first, each location checked
    from the index (migration 0016), not by sorting every listing in it."""
    plan = _plan(country_url, make_user(role="official"), ListingFilter(bbox=GERMANY))
    assert "Index Only Scan using ix_listings_published_newest" in plan, plan
