"""OGC API – Features: landing page, conformance, the collection, items with bbox, limit and
offset, one item; signed-in users only, published listings only, the same visibility."""

from __future__ import annotations

import pytest

ITEMS = "/ogc/collections/listings/items"


@pytest.fixture
def official(as_user):
    return as_user(role="official")


def _href(body: dict, rel: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == rel), None)


def test_landing_page_and_conformance(official):
    landing = official.get("/ogc")
    assert landing.status_code == 200
    rels = {link["rel"] for link in landing.get_json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    assert official.get(_href(landing.get_json(), "service-desc")).status_code == 200
    conforms = official.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms


def test_collections_and_the_listings_collection(official):
    body = official.get("/ogc/collections").get_json()
    (collection,) = body["collections"]
    assert collection["id"] == "listings" and collection["itemType"] == "feature"
    assert _href(collection, "items").endswith(ITEMS)
    assert official.get("/ogc/collections/listings").get_json()["id"] == "listings"
    assert official.get("/ogc/collections/persons").status_code == 404


def test_items_page_by_offset_with_links_and_counts(official, make_listing):
    listings = [make_listing(lat=52.0 + n * 0.01, lon=8.0) for n in range(5)]
    make_listing(lat=40.0, lon=0.0)  # outside the bbox
    make_listing(lat=52.0, lon=8.0, status="draft")
    response = official.get(f"{ITEMS}?bbox=7,51,9,53&limit=2")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 5 and body["numberReturned"] == 2
    assert [f["id"] for f in body["features"]] == [listings[0].id, listings[1].id]
    assert _href(body, "prev") is None
    seen = [f["id"] for f in body["features"]]
    next_href = _href(body, "next")
    while next_href:
        page = official.get(next_href.replace("http://localhost", "")).get_json(force=True)
        seen += [f["id"] for f in page["features"]]
        assert _href(page, "prev") is not None
        next_href = _href(page, "next")
    assert seen == [x.id for x in listings]


def test_an_item_is_geojson_with_flat_properties(official, make_listing):
    listing = make_listing(lat=52.5, lon=13.4)
    response = official.get(f"{ITEMS}/{listing.id}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert body["type"] == "Feature" and body["id"] == listing.id
    assert body["geometry"] == {"type": "Point", "coordinates": [13.4, 52.5]}
    properties = body["properties"]
    assert properties["city"] == "Berlin" and properties["street"] == "Unter den Linden 1"
    assert "address" not in properties and "location" not in properties


def test_drafts_and_other_landlords_listings_are_not_features(as_user, make_listing):
    landlord = as_user(role="landlord")
    own = make_listing(owner=landlord.user)
    own_draft = make_listing(owner=landlord.user, status="draft")
    other = make_listing()
    body = landlord.get(ITEMS).get_json(force=True)
    assert [f["id"] for f in body["features"]] == [own.id]
    assert landlord.get(f"{ITEMS}/{other.id}").status_code == 404
    assert landlord.get(f"{ITEMS}/{own_draft.id}").status_code == 404


def test_caseworkers_get_rounded_points_without_street(as_user, make_listing):
    listing = make_listing(lat=52.123456, lon=8.123456)
    body = as_user(role="caseworker").get(f"{ITEMS}/{listing.id}").get_json(force=True)
    assert body["geometry"]["coordinates"] != [8.123456, 52.123456]
    assert "street" not in body["properties"]


def test_a_bearer_token_works_and_nobody_else_gets_in(client, make_user, make_listing, bearer):
    listing = make_listing()
    for path in ("/ogc", "/ogc/conformance", ITEMS, f"{ITEMS}/{listing.id}"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    headers = bearer(make_user(role="official"))
    response = client.get(ITEMS, headers=headers)
    assert response.status_code == 200
    assert [f["id"] for f in response.get_json(force=True)["features"]] == [listing.id]
    assert client.get(ITEMS, headers={"Authorization": "Bearer exc_wrong"}).status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "bbox=9,51,7,53",
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=0,0,200,10",
        "limit=0",
        "limit=x",
        "offset=-1",
    ],
)
def test_bad_parameters_are_400(official, query):
    response = official.get(f"{ITEMS}?{query}")
    assert response.status_code == 400
    assert response.get_json()["code"] == "InvalidParameterValue"
