"""OGC API – Features as GIS clients read it: the JSON Schema of a feature (`describedby`,
/schema, /queryables), the real extent, numbers as numbers, `datetime` on listed_at, JSON
errors, the OpenAPI document of /ogc, paging; and the `next` link of a GeoJSON search."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from openapi_spec_validator import validate

from exchange.db import utcnow

ITEMS = "/ogc/collections/listings/items"
COLLECTION = "/ogc/collections/listings"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def official(as_user):
    return as_user(role="official")


def _href(body: dict, rel: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == rel), None)


def _local(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _ids(client, query: str = "") -> list[int]:
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [feature["id"] for feature in response.get_json(force=True)["features"]]


def test_the_collection_links_a_json_schema_of_every_column(official, make_listing):
    flat = make_listing(kind="flat", lat=52.0, lon=8.0, available_from=utcnow().date())
    beds = make_listing(kind="beds", lat=52.1, lon=8.1, beds_male=3, valid_until=None)
    links = official.get(COLLECTION).get_json()["links"]
    described = [link for link in links if link["rel"].lower() == "describedby"]
    assert described and all(link["type"] == "application/schema+json" for link in described)
    assert {link["rel"] for link in described} == {"describedby", "describedBy"}  # GDAL 3.6

    response = official.get(_local(described[0]["href"]))
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    schema = response.get_json(force=True)
    columns = schema["properties"]["properties"]["properties"]
    for name in ("rooms", "area_m2", "rent_cold", "utilities", "max_occupants", "contact_name",
                 "contact_email", "contact_phone", "free_beds", "beds_by_policy_male",
                 "accessible_beds", "valid_until", "street", "city", "listed_at"):
        assert name in columns, name
    assert columns["rent_cold"]["type"] == "number"
    assert columns["max_occupants"]["type"] == "integer"
    assert columns["listed_at"] == {**columns["listed_at"], "type": "string",
                                    "format": "date-time"}
    assert columns["available_from"]["format"] == "date"
    assert columns["furnished"]["type"] == "boolean"
    assert official.get(f"{COLLECTION}/schema").get_json(force=True) == schema

    for listing in (flat, beds):  # every feature is what the schema says, nothing more
        feature = official.get(f"{ITEMS}/{listing.id}").get_json(force=True)
        jsonschema.validate(feature, schema)
        assert set(feature["properties"]) <= set(columns)
        assert "contact_email" in feature["properties"]


def test_queryables_are_json_schema_of_what_requests_select_by(official):
    response = official.get(f"{COLLECTION}/queryables")
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    body = response.get_json(force=True)
    assert body["type"] == "object" and body["$schema"].startswith("https://json-schema.org/")
    assert set(body["properties"]) == {"geometry", "listed_at"}
    links = official.get(COLLECTION).get_json()["links"]
    assert _href({"links": links}, "http://www.opengis.net/def/rel/ogc/1.0/queryables")
    conforms = official.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conforms


def test_the_extent_is_where_and_when_the_visible_listings_are(as_user, official, make_listing):
    now = utcnow()
    make_listing(lat=51.5, lon=7.25, listed_at=now - timedelta(days=20))
    make_listing(lat=53.75, lon=9.5, listed_at=now - timedelta(days=2))
    make_listing(lat=10.0, lon=-20.0, status="draft", listed_at=now - timedelta(days=300))
    extent = official.get(COLLECTION).get_json()["extent"]
    assert extent["spatial"]["bbox"] == [[7.25, 51.5, 9.5, 53.75]]
    (interval,) = extent["temporal"]["interval"]
    first, last = (datetime.fromisoformat(value) for value in interval)
    assert abs(first - (now - timedelta(days=20))) < timedelta(seconds=1)
    assert abs(last - (now - timedelta(days=2))) < timedelta(seconds=1)
    assert official.get("/ogc/collections").get_json()["collections"][0]["extent"] == extent

    # Rounded points for a caseworker: the box holds them and widens past the exact corners.
    caseworker = as_user(role="caseworker")
    box = caseworker.get(COLLECTION).get_json()["extent"]["spatial"]["bbox"][0]
    assert box[0] < 7.25 and box[1] < 51.5 and box[2] > 9.5 and box[3] > 53.75
    assert box[2] - box[0] < 2.25 + 0.05 and box[3] - box[1] < 2.25 + 0.05
    for feature in caseworker.get(ITEMS).get_json(force=True)["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]

    # A landlord without listings: no place and no time, never the whole world.
    assert as_user(role="landlord").get(COLLECTION).get_json()["extent"] == {}


def test_rents_and_sizes_are_numbers(official, make_listing):
    listing = make_listing(rent_cold=Decimal("650.50"), utilities=Decimal("150.00"))
    properties = official.get(f"{ITEMS}/{listing.id}").get_json(force=True)["properties"]
    assert properties["rent_cold"] == 650.5 and properties["utilities"] == 150.0
    assert properties["rooms"] == 2.5 and properties["area_m2"] == 62.0
    page = official.get(ITEMS).get_json(force=True)
    assert page["features"][0]["properties"]["rent_cold"] == 650.5


def test_datetime_selects_by_listed_at(official, make_listing):
    today = datetime.combine(utcnow().astimezone(BERLIN).date(), time(12), BERLIN)
    old = make_listing(listed_at=today - timedelta(days=10))
    middle = make_listing(listed_at=today - timedelta(days=3))
    new = make_listing(listed_at=today)

    def iso(value: datetime) -> str:
        return quote(value.isoformat())

    assert _ids(official) == [old.id, middle.id, new.id]
    assert _ids(official, f"datetime={iso(middle.listed_at)}") == [middle.id]
    assert _ids(official, f"datetime={(today - timedelta(days=3)).date()}") == [middle.id]
    assert _ids(official, f"datetime={(today - timedelta(days=3)).date()}T") == [middle.id]
    week = f"{(today - timedelta(days=7)).date()}/{today.date()}"
    assert _ids(official, f"datetime={week}") == [middle.id, new.id]
    assert _ids(official, f"datetime=../{iso(today - timedelta(days=5))}") == [old.id]
    assert _ids(official, f"datetime=/{iso(today - timedelta(days=5))}") == [old.id]
    assert _ids(official, f"datetime={iso(today - timedelta(days=5))}/..") == [middle.id, new.id]
    assert _ids(official, f"datetime={iso(today - timedelta(days=1))}/") == [new.id]
    # The next link keeps the filter.
    first = official.get(f"{ITEMS}?datetime=../{iso(today)}&limit=1").get_json(force=True)
    assert parse_qs(urlsplit(_href(first, "next")).query)["datetime"] == [
        f"../{today.isoformat()}"
    ]


@pytest.mark.parametrize(
    "query",
    [
        "datetime=yesterday",
        "datetime=2030-01-01T10:00:00",  # no offset
        "datetime=../..",
        "datetime=a/b/c",
        "datetime=2030-02-30",
        "bbox=1,2,3,4,5",
        "filter=kind%3D%27flat%27",  # an unknown parameter
    ],
)
def test_bad_parameters_are_400_json(official, query):
    response = official.get(f"{ITEMS}?{query}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == "InvalidParameterValue" and body["description"]


def test_a_reversed_interval_is_400(official):
    today = utcnow().date()
    response = official.get(f"{ITEMS}?datetime={today}/{today - timedelta(days=1)}")
    assert response.status_code == 400
    assert response.get_json()["description"].startswith("datetime")


@pytest.mark.parametrize(
    "path",
    [
        f"{ITEMS}/abc",
        f"{ITEMS}/999999",
        f"{ITEMS}/99999999999999",
        "/ogc/collections/persons/items",
        "/ogc/collections/persons/queryables",
        "/ogc/nothing/here",
    ],
)
def test_unknown_things_are_404_json(official, path):
    response = official.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["code"] == "NotFound"


def test_service_desc_is_a_valid_openapi_document_of_the_ogc_paths(official):
    landing = official.get("/ogc").get_json()
    (link,) = [link for link in landing["links"] if link["rel"] == "service-desc"]
    assert link["type"] == "application/vnd.oai.openapi+json;version=3.0"
    response = official.get(_local(link["href"]))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oai.openapi+json"
    document = response.get_json(force=True)
    validate(document)
    assert document["servers"][0]["url"] == "http://localhost/ogc"
    for path in ("/", "/conformance", "/collections", "/collections/{collectionId}",
                 "/collections/{collectionId}/items",
                 "/collections/{collectionId}/items/{featureId}",
                 "/collections/{collectionId}/queryables"):
        assert path in document["paths"], path
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    assert {p["name"] for p in items["parameters"]} == {
        "collectionId", "limit", "offset", "after", "bbox", "datetime"
    }
    assert {"200", "400", "401", "404"} <= set(items["responses"])


def test_small_pages_with_bbox_follow_next_to_every_feature(official, make_listing):
    inside = [make_listing(kind=kind, lat=50.0 + n * 0.01, lon=10.0)
              for n, kind in enumerate(["beds", "beds", "flat", "flat", "beds"])]
    make_listing(lat=48.0, lon=11.0)
    href, seen = f"{ITEMS}?bbox=9.5,49.5,0,10.5,50.5,100&limit=2", []
    while href:
        page = official.get(_local(href)).get_json(force=True)
        assert page["numberMatched"] == 5 and page["numberReturned"] <= 2
        seen += [feature["id"] for feature in page["features"]]
        href = _href(page, "next")
    assert seen == [listing.id for listing in inside]


def test_a_geojson_search_page_links_the_next_one(official, make_listing):
    made = {make_listing(lat=52.0 + n * 0.01, lon=8.0).id for n in range(5)}
    href = "/api/v1/listings?limit=2&bbox=7,51,9,53"
    headers = {"Accept": "application/geo+json"}
    seen, pages = [], 0
    while href:
        response = official.get(_local(href), headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/geo+json"
        body = response.get_json(force=True)
        seen += [feature["id"] for feature in body["features"]]
        href, pages = _href(body, "next"), pages + 1
        headers = {}  # the link alone says GeoJSON
    assert pages == 3 and len(seen) == 5 and set(seen) == made


def test_errors_speak_the_readers_language(client, make_user, bearer):
    headers = {**bearer(make_user(role="official")), "Accept-Language": "de"}
    response = client.get(f"{ITEMS}?sortby=title", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["description"] == "Unbekannter Parameter: sortby."
