"""GIS clients read the OGC API – Features of the live server as a GIS user would. GDAL
(Debian's gdal-bin: `ogrinfo`, `ogr2ogr`): with an API token in GDAL_HTTP_HEADERS, small
pages and a spatial filter, into a GeoPackage; every column and every feature arrive, with
the values the API gives. OWSLib (Debian's python3-owslib, run by the system Python): the
landing page, conformance, the collection, queryables, the OpenAPI document and items.

The demo's listings (the first of the collection) are all free beds, so without the
feature schema GDAL would guess the columns from a page without any flat.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import subprocess
import urllib.request
import uuid
from datetime import datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

DEMO_PASSWORD = "exchange-demo"
OFFICIAL = "fluechtlinge@lk-osnabrueck.example"
#: A corner of the map no other test uses (the Wetterstein mountains).
CORNER = (10.90, 47.35, 11.10, 47.50)
GDAL_TIMEOUT = 60


class _Api:
    """The live server's API as a signed-in official, then with an API token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method,
            headers={**self.headers, "Content-Type": "application/json",
                     "Accept": "application/json"},
        )
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def token_and_listings(live_server: str) -> tuple[str, list[dict]]:
    """An API token of a demo official, and listings of both kinds made in CORNER."""
    api = _Api(live_server)
    login = api.call("POST", "/api/v1/auth/login", {"email": OFFICIAL, "password": DEMO_PASSWORD})
    api.headers["X-CSRFToken"] = login["csrf_token"]
    token = api.call("POST", "/api/v1/auth/tokens", {"name": "gdal"})["token"]
    api.headers = {"Authorization": f"Bearer {token}"}
    tag = uuid.uuid4().hex[:6]
    address = {"street": "Am Schachen 1", "postal_code": "82467", "city": "Garmisch"}
    made = []
    for n, kind in enumerate(["beds", "flat", "beds", "flat", "flat"]):
        fields = {"kind": kind, "title": f"GDAL {kind} {n} {tag}", "description": "",
                  "address": address, "location": {"lat": 47.40 + n * 0.01, "lon": 11.0},
                  "publish": True}
        if kind == "flat":
            fields.update(rooms=2.5, area_m2=61.5, max_occupants=4, rent_cold="612.50",
                          utilities="140.00", furnished=n == 1, accessible=True)
        else:
            fields.update(free_beds=12 + n, accessible_beds=2,
                          beds_by_policy={"male": 4, "female": None, "family": 8, "mixed": None})
        made.append(api.call("POST", "/api/v1/listings", fields))
    return token, made


def _gdal(*args: str, token: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} not found: apt-get install gdal-bin")
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}",
           "GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "OFF"}
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=GDAL_TIMEOUT)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _all_features(url: str, token: str) -> list[dict]:
    features = []
    while url:
        page = _get(url, token)
        features += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return features


def _corner_features(live_server: str, token: str) -> list[dict]:
    west, south, east, north = CORNER
    return _all_features(f"{live_server}/ogc/collections/listings/items"
                         f"?bbox={west},{south},{east},{north}&limit=2", token)


def _columns(features: list[dict]) -> set[str]:
    """Every property the API sends for these features (flats and beds)."""
    return {name for feature in features for name in feature["properties"]}


def test_ogrinfo_lists_every_column_though_the_first_page_holds_only_beds(
    live_server, token_and_listings
):
    token, _made = token_and_listings
    # GDAL's first page holds the leading bed listings only (the demo's shelter comes first;
    # what other browser tests published before this one comes later or not at all).
    leading = _get(f"{live_server}/ogc/collections/listings/items?limit=10", token)["features"]
    kinds = [feature["properties"]["kind"] for feature in leading]
    beds_first = len(kinds) - len("".join("b" if k == "beds" else "f" for k in kinds).lstrip("b"))
    assert beds_first >= 1, kinds
    output = _gdal("ogrinfo", "-ro", "-so", "-oo", f"PAGE_SIZE={beds_first}",
                   f"OAPIF:{live_server}/ogc", "listings", token=token)
    fields = {}
    for line in output.splitlines():
        name, sep, kind = line.partition(": ")
        if sep and kind.split(" ")[0] in ("String", "Integer", "Integer(Boolean)", "Real",
                                          "Date", "DateTime", "Integer64"):
            fields[name] = kind.split(" ")[0]
    columns = _columns(_corner_features(live_server, token))
    assert {"rooms", "area_m2", "rent_cold", "max_occupants", "contact_name",
            "contact_email", "contact_phone", "free_beds", "beds_by_policy_male"} <= columns
    assert columns <= set(fields)
    assert fields["rent_cold"] == "Real" and fields["max_occupants"] == "Integer"
    assert fields["contact_email"] == "String" and fields["listed_at"] == "DateTime"
    assert fields["furnished"] == "Integer(Boolean)" and fields["available_from"] == "Date"
    # Its extent is where the listings are, not the world.
    extent = next(line for line in output.splitlines() if line.startswith("Extent: "))
    min_lon, min_lat = (float(n) for n in extent[9:].split(")")[0].split(", "))
    assert 5 < min_lon < 11.0 and 47 < min_lat < 53


def _gpkg_point(blob: bytes) -> tuple[float, float]:
    """The x, y of a GeoPackage point: header, envelope (by the flags), then WKB."""
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    wkb = blob[8 + envelope:]
    order = "<" if wkb[0] == 1 else ">"
    return struct.unpack(f"{order}dd", wkb[5:21])


def _same(stored, sent) -> bool:
    """A GeoPackage value is the API's: booleans as 0/1, times to the millisecond."""
    if sent is None or isinstance(sent, bool):
        return stored == sent
    if isinstance(sent, str) and len(sent) > 19 and sent[10] == "T":
        delta = datetime.fromisoformat(stored.replace("Z", "+00:00")) - datetime.fromisoformat(
            sent)
        return abs(delta.total_seconds()) < 0.001
    return stored == sent


def test_ogr2ogr_copies_every_feature_of_an_area_page_by_page_into_a_geopackage(
    live_server, token_and_listings, tmp_path: Path
):
    token, made = token_and_listings
    target = tmp_path / "listings.gpkg"
    west, south, east, north = CORNER
    _gdal("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server}/ogc", "listings",
          "-oo", "PAGE_SIZE=2", "-spat", str(west), str(south), str(east), str(north),
          token=token)
    expected = _corner_features(live_server, token)
    assert sorted(f["id"] for f in expected) == sorted(listing["id"] for listing in made)
    columns = _columns(expected)
    with sqlite3.connect(target) as gpkg:
        gpkg.row_factory = sqlite3.Row
        stored_columns = {row["name"] for row in gpkg.execute("PRAGMA table_info(listings)")}
        assert set(columns) <= stored_columns
        rows = {row["id"]: row for row in gpkg.execute("SELECT * FROM listings")}
    assert sorted(rows) == sorted(f["id"] for f in expected)
    for feature in expected:
        row = rows[feature["id"]]
        for name in columns:
            sent = feature["properties"].get(name)
            assert _same(row[name], sent), (name, row[name], sent)
        assert _gpkg_point(row["geom"]) == pytest.approx(tuple(feature["geometry"]["coordinates"]))
    flats = [rows[listing["id"]] for listing in made if listing["kind"] == "flat"]
    assert {row["rent_cold"] for row in flats} == {612.5}
    assert all(row["contact_email"] == OFFICIAL for row in flats)


def test_ogr2ogr_copies_the_whole_collection_in_small_pages(
    live_server, token_and_listings, tmp_path: Path
):
    token, _made = token_and_listings
    target = tmp_path / "all.gpkg"
    _gdal("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server}/ogc", "listings",
          "-oo", "PAGE_SIZE=3", token=token)
    expected = _all_features(f"{live_server}/ogc/collections/listings/items?limit=500", token)
    with sqlite3.connect(target) as gpkg:
        ids = [row[0] for row in gpkg.execute("SELECT id FROM listings ORDER BY id")]
    assert ids == sorted(f["id"] for f in expected) and len(ids) > 3


def _feature_count(output: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("Feature Count: "))
    return int(line.removeprefix("Feature Count: "))


def test_a_filter_on_listed_at_goes_to_the_server_as_datetime(live_server, token_and_listings):
    """GDAL sends `-where` on a date-time column as `datetime` and does not check the
    answer itself: the server's filter decides what arrives."""
    token, made = token_and_listings
    listed = datetime.fromisoformat(made[0]["listed_at"])
    before, after = (listed + timedelta(days=days) for days in (-1, 1))
    west, south, east, north = (str(n) for n in CORNER)

    def count(where: str) -> int:
        return _feature_count(_gdal(
            "ogrinfo", "-ro", "-so", "-al", "-oo", "PAGE_SIZE=2", "-spat", west, south, east,
            north, "-where", where, f"OAPIF:{live_server}/ogc", token=token))

    since = before.strftime("%Y/%m/%d %H:%M:%S")
    until = after.strftime("%Y/%m/%d %H:%M:%S")
    assert count(f"listed_at >= '{since}'") == len(made)
    assert count(f"listed_at <= '{since}'") == 0
    assert count(f"listed_at >= '{since}' AND listed_at <= '{until}'") == len(made)
    assert count(f"listed_at >= '{until}'") == 0


OWSLIB_SCRIPT = """
import json, sys
from owslib.ogcapi.features import Features
url, token, west, south, east, north = sys.argv[1:]
bbox = [float(west), float(south), float(east), float(north)]
api = Features(url, headers={"Authorization": "Bearer " + token})
print(json.dumps({
    "conformance": api.conformance()["conformsTo"],
    "collection": api.collection("listings"),
    "queryables": api.collection_queryables("listings"),
    "paths": sorted(api.api()["paths"]),
    "page": api.collection_items("listings", bbox=bbox, limit=2),
    "none_before_2000": api.collection_items("listings", bbox=bbox, datetime="../2000-01-01"),
}))
"""
SYSTEM_PYTHON = "/usr/bin/python3"


def test_owslib_reads_the_collection_its_queryables_api_and_items(
    live_server, token_and_listings
):
    token, made = token_and_listings
    result = subprocess.run(
        [SYSTEM_PYTHON, "-c", OWSLIB_SCRIPT, f"{live_server}/ogc", token,
         *(str(n) for n in CORNER)],
        capture_output=True, text=True, timeout=GDAL_TIMEOUT,
    )
    if result.returncode != 0 and "No module named 'owslib'" in result.stderr:
        pytest.fail("OWSLib not found: apt-get install python3-owslib")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in found["conformance"]
    west, south, east, north = found["collection"]["extent"]["spatial"]["bbox"][0]
    assert west <= CORNER[0] + 0.1 and east >= 11.0 and south <= 47.40 and north >= 47.44
    assert found["collection"]["extent"]["temporal"]["interval"][0][1] is not None
    assert set(found["queryables"]["properties"]) == {"geometry", "listed_at"}
    assert "/collections/{collectionId}/items" in found["paths"]
    page = found["page"]
    assert page["numberMatched"] == len(made) and page["numberReturned"] == 2
    assert any(link["rel"] == "next" for link in page["links"])
    flat = next(f for f in page["features"] if f["properties"]["kind"] == "flat")
    assert flat["properties"]["rent_cold"] == 612.5
    assert found["none_before_2000"]["features"] == []
