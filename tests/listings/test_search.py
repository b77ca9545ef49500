"""GET /listings: every filter, both sorts with keyset cursors, GeoJSON; the clusters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings import clusters, search
from exchange.listings.filters import ListingFilter
from tests.dates import day, iso

OSNABRUECK = (52.2799, 8.0472)
MELLE = (52.2031, 8.3361)  # ~22 km south-east of Osnabrück
HAMBURG = (53.5511, 9.9937)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.fixture
def official(as_user):
    return as_user(role="official")


def test_bbox_finds_what_lies_inside(official, make_listing):
    inside = make_listing(lat=OSNABRUECK[0], lon=OSNABRUECK[1])
    outside = make_listing(lat=HAMBURG[0], lon=HAMBURG[1])
    found = _ids(official.get("/api/v1/listings?bbox=7.9,52.2,8.2,52.4"))
    assert inside.id in found and outside.id not in found


def test_bbox_is_a_lon_lat_rectangle_even_near_its_lower_edge(official, make_listing):
    # On a great circle between the lower corners this point would lie outside; on the map
    # (and here) it is inside.
    listing = make_listing(lat=40.001, lon=0.0)
    assert listing.id in _ids(official.get("/api/v1/listings?bbox=-20,40,20,60"))


def test_near_with_radius_gives_distances_and_sorts_by_them(official, make_listing):
    melle = make_listing(lat=MELLE[0], lon=MELLE[1])
    centre = make_listing(lat=OSNABRUECK[0] + 0.001, lon=OSNABRUECK[1])
    make_listing(lat=HAMBURG[0], lon=HAMBURG[1])
    near = f"{OSNABRUECK[0]},{OSNABRUECK[1]}"
    body = official.get(f"/api/v1/listings?near={near}&radius_km=30").get_json()
    assert [item["id"] for item in body["items"]] == [centre.id, melle.id]
    assert body["items"][0]["distance_km"] == pytest.approx(0.111, abs=0.002)
    assert body["items"][1]["distance_km"] == pytest.approx(22.4, abs=1.0)
    assert melle.id not in _ids(official.get(f"/api/v1/listings?near={near}&radius_km=10"))


def test_near_uses_the_gist_index():
    # A tiny test table would be scanned whole; forbid that to see what the planner can use.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        db.session.scalars(
            text(
                "EXPLAIN SELECT id FROM listings WHERE ST_DWithin(location, "
                "ST_SetSRID(ST_MakePoint(8.0, 52.0), 4326)::geography, 5000, false)"
            )
        )
    )
    assert "ix_listings_location" in plan


def test_kind_min_beds_and_max_rent(official, make_listing):
    big_flat = make_listing(max_occupants=6, rent_cold=Decimal("700"), utilities=Decimal("200"))
    small_flat = make_listing(max_occupants=2, rent_cold=Decimal("400"), utilities=None)
    beds = make_listing(kind="beds", free_beds=5)
    assert set(_ids(official.get("/api/v1/listings?kind=beds"))) == {beds.id}
    assert set(_ids(official.get("/api/v1/listings?min_beds=5"))) == {big_flat.id, beds.id}
    assert set(_ids(official.get("/api/v1/listings?min_beds=6"))) == {big_flat.id}
    # Cold rent plus utilities; beds have no rent and do not match a rent limit.
    assert set(_ids(official.get("/api/v1/listings?max_rent=899.99"))) == {small_flat.id}
    assert set(_ids(official.get("/api/v1/listings?max_rent=900"))) == {big_flat.id, small_flat.id}


def test_available_by_and_accessible(official, make_listing):
    soon = make_listing(available_from=day(10), accessible=True)
    later = make_listing(available_from=day(100))
    ended = make_listing(available_from=day(-300), available_until=day(-150))
    beds = make_listing(kind="beds", valid_until=day(30), accessible_beds=2)
    old_beds = make_listing(kind="beds", valid_until=day(-30), accessible_beds=0)
    found = set(_ids(official.get(f"/api/v1/listings?available_by={iso(20)}")))
    assert found == {soon.id, beds.id}
    assert {later.id, ended.id, old_beds.id}.isdisjoint(found)
    assert set(_ids(official.get("/api/v1/listings?accessible=true"))) == {soon.id, beds.id}


def test_organization_and_status(official, make_listing, make_user):
    landlord = make_user(role="landlord")
    organization = landlord.memberships[0].organization
    mine = make_listing(owner=landlord)
    make_listing()
    make_listing(owner=landlord, status="draft")
    url = f"/api/v1/listings?organization_id={organization.id}"
    assert _ids(official.get(url)) == [mine.id]
    # Drafts of others are not found, whatever the filter says.
    assert _ids(official.get(f"{url}&status=draft")) == []


def test_status_draft_finds_my_own_drafts(as_user, make_listing):
    landlord = as_user(role="landlord")
    draft = make_listing(owner=landlord.user, status="draft")
    make_listing(owner=landlord.user)
    make_listing(status="draft")
    assert _ids(landlord.get("/api/v1/listings?status=draft")) == [draft.id]


def _walk(client, url: str) -> list[int]:
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert pages < 50


def test_newest_first_pages_through_everything_once(official, make_listing):
    now = utcnow()
    listings = [make_listing(listed_at=now - timedelta(minutes=n % 4)) for n in range(11)]
    seen = _walk(official, "/api/v1/listings?limit=3&sort=newest")
    expected = sorted(listings, key=lambda x: (x.listed_at, x.id), reverse=True)
    assert seen == [listing.id for listing in expected]


def test_distance_pages_through_everything_once_in_order(official, make_listing):
    # Five distances, several listings at each: ties are broken by id across pages.
    listings = [make_listing(lat=52.0 + 0.01 * (n % 5), lon=8.0) for n in range(12)]
    seen, cursor = [], None
    while True:
        page = official.get(
            "/api/v1/listings?limit=5&near=52,8" + (f"&cursor={cursor}" if cursor else "")
        ).get_json()
        seen += [(item["distance_km"], item["id"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(i for _d, i in seen) == sorted(x.id for x in listings)
    assert seen == sorted(seen)


def test_listings_in_one_house_page_by_id_when_sorted_by_distance(official, make_listing):
    house = [make_listing(lat=52.01, lon=8.0) for _ in range(7)]
    nearer = make_listing(lat=52.005, lon=8.0)
    seen = _walk(official, "/api/v1/listings?limit=3&near=52,8")
    assert seen == [nearer.id] + sorted(x.id for x in house)


def test_a_cursor_of_the_other_sort_is_refused(official, make_listing):
    for _ in range(3):
        make_listing()
    cursor = official.get("/api/v1/listings?limit=1").get_json()["next_cursor"]
    response = official.get(f"/api/v1/listings?limit=1&near=52,8&cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]["query"]


def test_geojson_answer(official, make_listing):
    listing = make_listing(lat=52.1, lon=8.2)
    for headers, query in (({"Accept": "application/geo+json"}, ""), ({}, "&format=geojson")):
        response = official.get(f"/api/v1/listings?limit=10{query}", headers=headers)
        assert response.status_code == 200
        assert response.mimetype == "application/geo+json"
        body = response.get_json(force=True)
        assert body["type"] == "FeatureCollection"
        (feature,) = body["features"]
        assert feature["id"] == listing.id
        assert feature["geometry"] == {"type": "Point", "coordinates": [8.2, 52.1]}
        assert "location" not in feature["properties"]
        assert feature["properties"]["title"] == listing.title


def test_the_service_takes_a_filter_object(make_user, make_listing, app):
    official = make_user(role="official")
    listing = make_listing(lat=52.1, lon=8.2)
    with app.test_request_context():
        page = search.search_listings(official, ListingFilter(bbox=(8, 52, 9, 53), limit=5))
    assert [hit.listing.id for hit in page.items] == [listing.id]


# --- clusters ------------------------------------------------------------------------------


GERMANY = "5.5,47,15.5,55.2"


def _spread(count: int, organization_id: int, owner_id: int) -> None:
    """``count`` published flats on a grid over Germany, written in one statement."""
    db.session.execute(
        text(
            "INSERT INTO listings (kind, status, title, postal_code, city, location,"
            " organization_id, owner_id, max_occupants, expires_at)"
            " SELECT 'flat', 'published', 'flat ' || n, '10115', 'Irgendwo',"
            "  ST_SetSRID(ST_MakePoint(6 + (n % 90) * 0.1, 47.5 + (n / 90) * 0.1), 4326)"
            "  ::geography,"
            "  :org, :owner, 2, now() + interval '14 days'"
            " FROM generate_series(0, :last) AS n"
        ),
        {"org": organization_id, "owner": owner_id, "last": count - 1},
    )


def test_clusters_count_and_sum_beds_and_name_single_listings(official, make_listing):
    db.session.execute(text("DELETE FROM listings"))
    a = make_listing(kind="beds", free_beds=4, lat=52.28, lon=8.04)
    b = make_listing(kind="beds", free_beds=6, lat=52.281, lon=8.041)
    lonely = make_listing(lat=53.55, lon=9.99)
    make_listing(status="draft", lat=52.28, lon=8.04)
    body = official.get("/api/v1/listings/clusters?bbox=5,47,15,55&zoom=8").get_json()
    clusters = sorted(body["clusters"], key=lambda c: c["count"])
    assert [c["count"] for c in clusters] == [1, 2]
    assert clusters[0]["listing_id"] == lonely.id and clusters[0]["free_beds"] == 0
    assert "listing_id" not in clusters[1] and clusters[1]["free_beds"] == 10
    assert clusters[1]["lat"] == pytest.approx((52.28 + 52.281) / 2, abs=1e-6)
    assert a.id and b.id


def test_clusters_stay_under_500_for_germany_at_any_zoom(official, make_user):
    owner = make_user(role="landlord")
    _spread(6000, owner.memberships[0].organization_id, owner.id)
    for zoom in (0, 5, 6, 9, 12, 18, 22):
        body = official.get(f"/api/v1/listings/clusters?bbox={GERMANY}&zoom={zoom}").get_json()
        assert 0 < len(body["clusters"]) <= 500, zoom
        assert sum(c["count"] for c in body["clusters"]) == 6000


def test_clusters_from_the_cell_table_equal_clusters_from_the_rows(make_user, make_listing, app):
    official = make_user(role="official")
    owner = make_user(role="landlord")
    _spread(900, owner.memberships[0].organization_id, owner.id)
    for n in range(20):
        make_listing(kind="beds", free_beds=n + 1, lat=50 + n * 0.2, lon=7 + n * 0.3)
    bbox = (5.5, 47.0, 15.5, 55.2)
    with app.test_request_context():
        for zoom in (4, 7, 10):
            from_cells = clusters.listing_clusters(official, bbox, zoom)
            # Any filter beyond kind is answered from the rows (min_beds=1 matches all).
            from_rows = clusters.listing_clusters(official, bbox, zoom, ListingFilter(min_beds=1))

            def key(result):
                return sorted(
                    (c.count, c.free_beds, c.listing_id, round(c.lat, 5), round(c.lon, 5))
                    for c in result.clusters
                )

            assert key(from_cells) == key(from_rows)


def test_clusters_apply_filters_and_visibility(as_user, make_listing, make_user):
    landlord = as_user(role="landlord")
    own = make_listing(owner=landlord.user, lat=52.0, lon=8.0)
    make_listing(lat=52.0, lon=8.0)
    make_listing(kind="beds", lat=52.0, lon=8.0)
    url = "/api/v1/listings/clusters?bbox=7,51,9,53&zoom=12"
    (cluster,) = landlord.get(url).get_json()["clusters"]
    assert cluster["count"] == 1 and cluster["listing_id"] == own.id
    official = as_user(role="official")
    assert sum(c["count"] for c in official.get(url).get_json()["clusters"]) == 3
    assert sum(c["count"] for c in official.get(url + "&kind=beds").get_json()["clusters"]) == 1


def test_clusters_are_rounded_for_all_but_officials(as_user, make_listing):
    listing = make_listing(lat=52.123456, lon=8.123456)
    url = "/api/v1/listings/clusters?bbox=7,51,9,53&zoom=16"
    (exact,) = as_user(role="official").get(url).get_json()["clusters"]
    (rounded,) = as_user(role="caseworker").get(url).get_json()["clusters"]
    assert (exact["lat"], exact["lon"]) == (52.123456, 8.123456)
    assert (rounded["lat"], rounded["lon"]) != (exact["lat"], exact["lon"])
    assert abs(rounded["lat"] - exact["lat"]) < 0.005 and listing.id == rounded["listing_id"]


def test_bad_cluster_parameters(official):
    for query, field in [
        ("zoom=5", "bbox"),
        ("bbox=5,47,15,55", "zoom"),
        ("bbox=15,47,5,55&zoom=5", "bbox"),
        ("bbox=5,47,15,55&zoom=40", "zoom"),
    ]:
        response = official.get(f"/api/v1/listings/clusters?{query}")
        assert response.status_code == 422
        assert field in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("role", ["official", "caseworker"])
@pytest.mark.parametrize("kind", ["flat", "beds"])
def test_a_search_page_writes_each_listing_as_its_own_page_does(as_user, make_listing, role,
                                                               kind):
    """Search pages are presented from plain rows with times left to the JSON writer; the
    answer is the same as the listing's own, exact (officials) or approximate (other staff)."""
    viewer = as_user(role=role)
    listing = make_listing(kind=kind, lat=OSNABRUECK[0], lon=OSNABRUECK[1],
                           available_from=day(10), flagged_at=utcnow())
    page = viewer.get("/api/v1/listings?bbox=7.9,52.2,8.2,52.4&limit=50").get_json()
    [item] = [item for item in page["items"] if item["id"] == listing.id]
    own = viewer.get(f"/api/v1/listings/{listing.id}").get_json()
    del own["photos"], own["documents"]
    own.pop("fits_households", None)  # single-listing answers only, like the files
    assert item == own
    assert item["location_precision"] == ("exact" if role == "official" else "approximate")
    assert item["created_at"].endswith("+00:00")


def test_searches_of_one_shape_share_one_statement_and_keep_their_own_values(
    official, as_user, make_listing
):
    """The search SQL is built once per shape (which filters are set) with bind parameters;
    each request still gets its own values, viewers their own visibility."""
    osnabrueck = make_listing(lat=OSNABRUECK[0], lon=OSNABRUECK[1])
    hamburg = make_listing(lat=HAMBURG[0], lon=HAMBURG[1])
    search._SEARCH_STATEMENTS.clear()
    near_osnabrueck = _ids(official.get("/api/v1/listings?bbox=7.9,52.2,8.2,52.4"))
    near_hamburg = _ids(official.get("/api/v1/listings?bbox=9.8,53.4,10.2,53.7"))
    assert osnabrueck.id in near_osnabrueck and hamburg.id not in near_osnabrueck
    assert hamburg.id in near_hamburg and osnabrueck.id not in near_hamburg
    assert len(search._SEARCH_STATEMENTS) == 1
    # A landlord's search has another shape (own listings only), and finds none of these.
    assert _ids(as_user(role="landlord").get("/api/v1/listings?bbox=7.9,52.2,8.2,52.4")) == []
    assert len(search._SEARCH_STATEMENTS) == 2


def test_near_with_newest_first_still_gives_each_distance(official, make_listing):
    older = make_listing(lat=MELLE[0], lon=MELLE[1])
    newer = make_listing(lat=OSNABRUECK[0], lon=OSNABRUECK[1])
    response = official.get(f"/api/v1/listings?near={OSNABRUECK[0]},{OSNABRUECK[1]}"
                            "&radius_km=30&sort=newest")
    items = response.get_json()["items"]
    assert [item["id"] for item in items] == [newer.id, older.id]
    assert items[0]["distance_km"] == 0
    assert 20 < items[1]["distance_km"] < 25
