"""OGC pages at scale (issue 16): `next` links continue after the last id (keyset), the
total and deep offsets of the whole collection come from listing_id_blocks, which the
triggers keep exact through inserts, status changes and deletes."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from exchange.extensions import db
from exchange.listings import ogc_pages
from exchange.listings.models import Listing

ITEMS = "/ogc/collections/listings/items"


@pytest.fixture
def official(as_user):
    return as_user(role="official")


def _href(body: dict, rel: str) -> str | None:
    href = next((link["href"] for link in body["links"] if link["rel"] == rel), None)
    return None if href is None else href.replace("http://localhost", "")


def _ids(body: dict) -> list[int]:
    return [feature["id"] for feature in body["features"]]


def _published() -> list[int]:
    return list(db.session.scalars(
        select(Listing.id).where(Listing.status == "published").order_by(Listing.id)))


def test_next_links_continue_after_the_last_id(official, make_listing):
    listings = [make_listing(lat=52.0 + n * 0.01, lon=8.0) for n in range(5)]
    first = official.get(f"{ITEMS}?limit=2").get_json(force=True)
    assert _ids(first) == [listings[0].id, listings[1].id]
    next_href = _href(first, "next")
    assert f"after={listings[1].id}" in next_href and "offset=2" in next_href
    # A listing of the first page withdrawn meanwhile: an offset would now skip one; the
    # next link still gives the third and fourth.
    db.session.execute(update(Listing).where(Listing.id == listings[0].id)
                       .values(status="withdrawn"))
    second = official.get(next_href).get_json(force=True)
    assert _ids(second) == [listings[2].id, listings[3].id]
    assert second["numberMatched"] == 4
    assert _href(second, "prev") is not None
    third = official.get(_href(second, "next")).get_json(force=True)
    assert _ids(third) == [listings[4].id] and _href(third, "next") is None


def test_a_bad_after_is_a_400_naming_it(official):
    response = official.get(f"{ITEMS}?after=abc")
    assert response.status_code == 400
    assert "after" in response.get_json()["description"]


def test_whole_collection_counts_stay_exact_through_writes(official, make_listing):
    def matched() -> int:
        return official.get(f"{ITEMS}?limit=1").get_json(force=True)["numberMatched"]

    # Ids in several blocks of 1,024, as in a big table.
    listings = [make_listing(id=900_000 + 700 * n, lat=50.0, lon=9.0) for n in range(6)]
    draft = make_listing(id=905_000, status="draft")
    assert matched() == len(_published()) == 6
    db.session.execute(update(Listing).where(Listing.id == draft.id).values(status="published"))
    assert matched() == len(_published()) == 7
    db.session.execute(update(Listing).where(Listing.id.in_([x.id for x in listings[:2]]))
                       .values(status="expired"))
    db.session.execute(update(Listing).where(Listing.id == listings[3].id)
                       .values(title="Renamed"))
    assert matched() == len(_published()) == 5
    db.session.execute(delete(Listing).where(Listing.id == listings[4].id))
    assert matched() == len(_published()) == 4
    # Block by block, as a rebuild from the rows would count them.
    kept = dict(db.session.execute(
        text("SELECT block, published FROM listing_id_blocks WHERE published <> 0")).all())
    counted = dict(db.session.execute(text(
        "SELECT id / 1024, count(*) FROM listings WHERE status = 'published' GROUP BY 1")).all())
    assert kept == counted


def test_deep_offsets_skip_blocks_and_find_the_same_page(official, make_listing, monkeypatch):
    for n in range(8):
        make_listing(id=800_000 + 611 * n, lat=50.0, lon=9.0, status="published")
    make_listing(id=800_100, status="draft")
    published = _published()
    by_rows = {offset: _ids(official.get(f"{ITEMS}?limit=3&offset={offset}").get_json(force=True))
               for offset in range(len(published) + 1)}
    monkeypatch.setattr(ogc_pages, "SKIP_BLOCKS_FROM", 0)
    for offset, expected in by_rows.items():
        body = official.get(f"{ITEMS}?limit=3&offset={offset}").get_json(force=True)
        assert _ids(body) == expected == published[offset:offset + 3]
        assert body["numberMatched"] == len(published)


def test_landlords_pages_count_their_own_rows(as_user, make_listing):
    landlord = as_user(role="landlord")
    own = [make_listing(owner=landlord.user) for _ in range(3)]
    make_listing()
    body = landlord.get(f"{ITEMS}?limit=2").get_json(force=True)
    assert body["numberMatched"] == 3 and _ids(body) == [own[0].id, own[1].id]
    rest = landlord.get(_href(body, "next")).get_json(force=True)
    assert _ids(rest) == [own[2].id]
