"""The search page's fast path (page_json) writes exactly what ListingSchema, the one source
of a listing's shape, dumps: for flats and beds, exact and rounded viewers, with and without
a distance, an owner, optional values, decimals and dates."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings import access, search
from exchange.listings.filters import ListingFilter
from exchange.listings.page_json import page_json
from exchange.listings.schemas import ListingSchema


def _as_json(app, value) -> object:
    return json.loads(app.json.dumps(value))


@pytest.fixture
def variety(make_listing, make_user):
    """Listings that differ in every way a dump can: kinds, empty and set optional fields,
    decimals with and without fractions, dates, flags, a beds listing without owner."""
    landlord = make_user(role="landlord")
    now = utcnow()
    listings = [
        make_listing(owner=landlord),
        make_listing(owner=landlord, lat=52.5301, lon=13.3999, rooms=None, area_m2=None,
                     rent_cold=None, utilities=None, furnished=True, accessible=False,
                     pets_allowed=None, available_from=date(2027, 1, 1),
                     available_until=date(2027, 6, 30), description="Hell und ruhig"),
        make_listing(owner=landlord, lat=52.5102, lon=13.4101, rent_cold=1200, utilities=0,
                     flagged_at=now, flag_reason="Vermietet?", reserved_at=now - timedelta(1)),
        make_listing(kind="beds", lat=52.5150, lon=13.3900, beds_male=2, beds_female=None,
                     beds_family=5, beds_mixed=0, accessible_beds=1,
                     valid_until=date(2027, 3, 1), shelter_id=17),
        make_listing(kind="beds", lat=52.5250, lon=13.4200, source="registry"),
    ]
    listings[-1].owner_id = None
    db.session.flush()
    return listings


@pytest.mark.parametrize("role", ["official", "caseworker", "landlord"])
@pytest.mark.parametrize("near", [None, (52.52, 13.40)])
def test_the_fast_path_writes_what_the_schema_dumps(app, make_user, variety, role, near):
    viewer = make_user(role=role) if role != "landlord" else variety[0].owner
    page = search.search_listings(
        viewer, ListingFilter(bbox=(13.0, 52.3, 13.8, 52.7), near=near, limit=50)
    )
    rows = [hit.listing for hit in page.items]
    assert len(rows) == (len(variety) if role != "landlord" else 3)
    exact = access.exact_view(viewer)

    fast = page_json(rows, exact, [hit.distance_m for hit in page.items])
    dumped = ListingSchema(exact=exact, many=True).dump(rows)

    assert _as_json(app, fast) == _as_json(app, dumped)
    assert all(("distance_km" in item) == (near is not None) for item in dumped)
    kinds = {item["kind"] for item in dumped}
    assert kinds == ({"flat"} if role == "landlord" else {"flat", "beds"})


def test_a_row_and_the_listing_it_came_from_dump_alike(app, make_user, variety):
    official = make_user(role="official")
    page = search.search_listings(official, ListingFilter(bbox=(13.0, 52.3, 13.8, 52.7)))
    for hit in page.items:
        listing = access.get_listing_for(official, hit.listing.id)
        for exact in (True, False):
            schema = ListingSchema(exact=exact)
            assert _as_json(app, schema.dump(hit.listing)) == _as_json(app, schema.dump(listing))


@pytest.mark.parametrize("role", ["official", "caseworker", "landlord"])
def test_ogc_features_are_the_schema_dump_flattened(app, make_user, variety, role):
    """OGC pages write features in one pass; the same as the schema's dump of each listing
    as a feature with flat properties (what a single feature's page writes)."""
    from exchange.listings.ogc import flat_properties
    from exchange.listings.page_json import ogc_features
    from exchange.listings.schemas import feature

    viewer = make_user(role=role) if role != "landlord" else variety[0].owner
    page = search.search_listings(viewer, ListingFilter(bbox=(13.0, 52.3, 13.8, 52.7)))
    rows = [hit.listing for hit in page.items]
    exact = access.exact_view(viewer)
    expected = [feature(flat_properties(ListingSchema(exact=exact(row)).dump(row)))
                for row in rows]
    assert _as_json(app, ogc_features(rows, exact)) == _as_json(app, expected)
    assert {f["properties"]["kind"] for f in expected} >= {"flat"}
