"""Saved searches: matching with the search's conditions, a new match notified once."""

from __future__ import annotations

from decimal import Decimal

from exchange.listings import operations, saved_searches
from exchange.listings.filters import ListingFilter
from tests.dates import day
from tests.listings.test_expiry import _notes


def test_saved_searches_match_with_the_search_conditions(make_user, make_listing):
    official = make_user(role="official")
    area = {
        "type": "Polygon",
        "coordinates": [[[7.9, 52.2], [8.2, 52.2], [8.2, 52.4], [7.9, 52.4], [7.9, 52.2]]],
    }
    family = saved_searches.create_saved_search(
        official, "Familien", ListingFilter(kind="flat", min_beds=4, max_rent=Decimal(900)), area
    )
    beds = saved_searches.create_saved_search(official, "Betten", ListingFilter(kind="beds"))
    boxed = saved_searches.create_saved_search(
        official, "Box", ListingFilter(bbox=(7.0, 52.0, 8.5, 53.0), available_by=day(30))
    )
    inside = make_listing(lat=52.3, lon=8.0, max_occupants=5)
    outside = make_listing(lat=53.5, lon=10.0, max_occupants=5)
    too_small = make_listing(lat=52.3, lon=8.0, max_occupants=2, available_from=day(200))
    assert [s.id for s in saved_searches.matching_saved_searches(inside)] == [family.id, boxed.id]
    assert saved_searches.matching_saved_searches(outside) == []
    assert saved_searches.matching_saved_searches(too_small) == []
    assert beds.id


def test_a_newly_published_match_notifies_once(make_user, make_listing):
    official = make_user(role="official")
    landlord = make_user(role="landlord")
    saved = saved_searches.create_saved_search(official, "Alles", ListingFilter())
    listing = make_listing(owner=landlord, status="draft")
    operations.change_status(landlord, listing.id, "publish")
    notes = _notes(official)
    assert [(n.kind, n.payload["listing_id"], n.payload["saved_search_id"]) for n in notes] == [
        ("saved_search_match", listing.id, saved.id)
    ]
    operations.change_status(landlord, listing.id, "withdraw")
    operations.change_status(landlord, listing.id, "publish")
    assert len(_notes(official)) == 1
    # Drafts and those who cannot see the listing hear nothing.
    operations.create_listing(
        landlord,
        {
            "kind": "flat",
            "title": "t",
            "max_occupants": 2,
            "address": {"postal_code": "10115", "city": "B"},
            "location": {"lat": 52.0, "lon": 8.0},
        },
    )
    assert len(_notes(official)) == 1
