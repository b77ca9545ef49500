"""OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0; Part 3: Queryables) over the
published listings, for QGIS, GDAL, OWSLib & co.

    /ogc                                   landing page
    /ogc/api                               the OpenAPI 3.0 document of these paths
    /ogc/conformance                       what is implemented
    /ogc/collections                       the one collection, `listings`, with its extent
    /ogc/collections/listings/items        GeoJSON, `bbox`, `datetime`, `limit`, `offset`
                                           (`after`: the id a `next` link continues after)
    /ogc/collections/listings/items/{id}   one feature
    /ogc/collections/listings/schema       JSON Schema of a feature (`describedby`)
    /ogc/collections/listings/queryables   what `bbox` and `datetime` select by

Every call needs a signed-in user: the session cookie, or `Authorization: Bearer <API
token>` (in QGIS: an "API Header" authentication). Published listings only, with the same
visibility as the REST API (locations rounded for all but officials and the owner's side).
A feature's properties are the listing's fields as flat columns, numbers as numbers; a
property without a value is left out. Its time is `listed_at` (when it was published):
`datetime` selects by it and the temporal extent spans it. Errors follow the standard:
400 for a bad or unknown parameter, 404, 401, as {"code", "description"}.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request, url_for
from flask_login import current_user

from exchange.db import MAX_ID, read_only, utcnow
from exchange.errors import NotFound, Text, localise
from exchange.listings import access, ogc_documents, ogc_pages, search
from exchange.listings.ogc_documents import NESTED_PREFIX
from exchange.listings.page_json import ogc_features
from exchange.listings.schemas import ListingSchema, feature

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

COLLECTION = "listings"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
SCHEMA_JSON = "application/schema+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
]
#: Query parameters of /items; any other is a 400 (Part 1, /req/core/query-param-unknown).
ITEMS_PARAMETERS = frozenset({"limit", "offset", "after", "bbox", "datetime"})
#: Dates in `datetime` are days in Germany, where the listings are.
LOCAL_TIME = ZoneInfo("Europe/Berlin")


class OgcError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _answer(body: dict, mimetype: str = "application/json", status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


@bp.errorhandler(OgcError)
def _ogc_error(error: OgcError) -> Response:
    body = {"code": error.code, "description": localise(error.description)}
    response = _answer(body, status=error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="exchange"'
    return response


@bp.errorhandler(NotFound)
def _not_found(_error: NotFound) -> Response:
    return _ogc_error(OgcError(404, "NotFound", Text("No such feature.")))


@bp.before_request
def _require_user() -> None:
    if not current_user.is_authenticated:
        raise OgcError(
            401, "Unauthorized", Text("Sign in, or send Authorization: Bearer <API token>.")
        )


def _link(endpoint: str, rel: str, type_: str, title: str, **values) -> dict:
    return {
        "href": url_for(endpoint, _external=True, **values),
        "rel": rel,
        "type": type_,
        "title": title,
    }


@bp.get("")
@bp.get("/")
def landing():
    return _answer(
        {
            "title": "Exchange: housing offers and free beds",
            "description": "Published flats and free-bed announcements on the shared map.",
            "links": [
                _link("ogc.landing", "self", "application/json", "This document"),
                _link("ogc.api_definition", "service-desc", ogc_documents.OPENAPI_MEDIA_TYPE,
                      "The OpenAPI document of these paths"),
                _link("ogc.conformance", "conformance", "application/json", "Conformance"),
                _link("ogc.collections", "data", "application/json", "Collections"),
            ],
        }
    )


@bp.get("/api")
def api_definition():
    """The OpenAPI 3.0 document of /ogc (the landing page's `service-desc`)."""
    server = url_for("ogc.landing", _external=True).rstrip("/")
    return _answer(ogc_documents.openapi(server), ogc_documents.OPENAPI_MEDIA_TYPE)


@bp.get("/conformance")
def conformance():
    return _answer({"conformsTo": CONFORMANCE})


def _timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _extent() -> dict:
    """Where and when the listings the user may see lie (no world box, no open guess)."""
    found = search.published_extent(current_user._get_current_object())
    extent: dict[str, Any] = {}
    if found.bbox is not None:
        extent["spatial"] = {"bbox": [[round(n, 7) for n in found.bbox]], "crs": CRS84}
    if found.first_listed is not None:
        extent["temporal"] = {
            "interval": [[_timestamp(found.first_listed), _timestamp(found.last_listed)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return extent


def _collection() -> dict:
    schema_link = _link("ogc.schema", "describedby", SCHEMA_JSON,
                        "The JSON Schema of a feature", collection_id=COLLECTION)
    return {
        "id": COLLECTION,
        "title": "Listings",
        "description": "Published flats and free beds that you may see; their time is "
        "listed_at, when they were published.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": _extent(),
        "links": [
            _link(
                "ogc.collection",
                "self",
                "application/json",
                "This collection",
                collection_id=COLLECTION,
            ),
            _link("ogc.items", "items", GEOJSON, "The listings", collection_id=COLLECTION),
            schema_link,
            # GDAL 3.6 (Debian 12) looks for this spelling only (link relations are
            # case-insensitive, RFC 8288), and reads the columns from the schema.
            {**schema_link, "rel": "describedBy"},
            _link("ogc.queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  SCHEMA_JSON, "Queryables", collection_id=COLLECTION),
        ],
    }


@bp.get("/collections")
def collections():
    return _answer(
        {
            "links": [_link("ogc.collections", "self", "application/json", "Collections")],
            "collections": [_collection()],
        }
    )


def _require_collection(collection_id: str) -> None:
    if collection_id != COLLECTION:
        raise OgcError(404, "NotFound", Text("No collection %(name)s.", name=collection_id))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    _require_collection(collection_id)
    return _answer(_collection())


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str):
    """The JSON Schema of a feature: every column, whatever the first page holds."""
    _require_collection(collection_id)
    schema_id = url_for("ogc.schema", collection_id=COLLECTION, _external=True)
    return _answer(ogc_documents.feature_schema(schema_id), SCHEMA_JSON)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """Part 3: the properties requests select by (the geometry and listed_at)."""
    _require_collection(collection_id)
    schema_id = url_for("ogc.queryables", collection_id=COLLECTION, _external=True)
    return _answer(ogc_documents.queryables(schema_id), SCHEMA_JSON)


@bp.get("/<path:_unknown>")
def unknown(_unknown: str):
    """Any other path below /ogc (an item id that is no number too): a JSON 404."""
    raise OgcError(404, "NotFound", Text("No such resource."))


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise OgcError(
            400, "InvalidParameterValue", Text("%(name)s: not an integer.", name=name)
        ) from exc
    if not low <= value <= high:
        raise OgcError(400, "InvalidParameterValue",
                       Text("%(name)s: must be %(low)s..%(high)s.", name=name, low=low, high=high))
    return value


def _bbox_param() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    message = Text("bbox: use minLon,minLat,maxLon,maxLat (CRS84) with min < max.")
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", message) from exc
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise OgcError(400, "InvalidParameterValue", message)
    if len(numbers) == 6:  # with heights (minLon,minLat,minH,maxLon,maxLat,maxH)
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise OgcError(400, "InvalidParameterValue", message)
    return min_lon, min_lat, max_lon, max_lat


def _instant(raw: str, end: bool) -> datetime | None:
    """One end of `datetime`: None when open; a date is its day in Germany (the start
    of the day, or of the next one for an end); a time needs its UTC offset."""
    if raw in ("", ".."):
        return None
    text = raw.removesuffix("T")  # GDAL writes a date as 2026-01-31T
    if len(text) == 10:
        day = date.fromisoformat(text)
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(), LOCAL_TIME)
    value = datetime.fromisoformat(text.replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value + timedelta(microseconds=1) if end else value


def _datetime_param() -> tuple[datetime | None, datetime | None]:
    """`datetime` as [start, end) on listed_at: an instant (a date: that day) or an
    interval `start/end` whose ends may be open (`..` or nothing)."""
    raw = request.args.get("datetime")
    if raw is None or raw == "":
        return None, None
    message = Text("datetime: use an RFC 3339 date or date-time with offset, or an interval "
                   "start/end (.. for an open end).")
    parts = raw.split("/")
    try:
        if len(parts) == 1:
            if raw == "..":
                raise ValueError("open instant")
            return _instant(raw, end=False), _instant(raw, end=True)
        if len(parts) != 2 or parts[0] in ("", "..") and parts[1] in ("", ".."):
            raise ValueError("not an interval")
        start, end = _instant(parts[0], end=False), _instant(parts[1], end=True)
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", message) from exc
    if start is not None and end is not None and start >= end:
        raise OgcError(400, "InvalidParameterValue",
                       Text("datetime: the start must come before the end."))
    return start, end


def _reject_unknown_parameters() -> None:
    unknown = sorted(set(request.args) - ITEMS_PARAMETERS)
    if unknown:
        raise OgcError(400, "InvalidParameterValue",
                       Text("Unknown parameter: %(name)s.", name=", ".join(unknown)))


def _feature(listing, exact) -> dict:
    return feature(flat_properties(ListingSchema(exact=exact).dump(listing)))


def flat_properties(item: dict) -> dict:
    """Nested objects as plain columns (named as the feature schema says), numbers as
    numbers (the REST API writes rents as strings), no property without a value."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict) and key != "location":
            for inner, inner_value in value.items():
                flat[f"{NESTED_PREFIX[key]}{inner}"] = inner_value
        else:
            flat[key] = value
    for name in ("rent_cold", "utilities"):
        if isinstance(flat.get(name), str):
            flat[name] = float(flat[name])
    return {key: value for key, value in flat.items() if value is not None}


@bp.get("/collections/<collection_id>/items")
@read_only
def items(collection_id: str):
    _require_collection(collection_id)
    _reject_unknown_parameters()
    bbox = _bbox_param()
    listed = _datetime_param()
    limit = _int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_param("offset", 0, 0, 10**9)
    after = _int_param("after", 0, 0, MAX_ID) if request.args.get("after") else None
    viewer = current_user._get_current_object()
    rows, matched, more = ogc_pages.ogc_page(viewer, bbox, limit, offset, listed, after)
    features = ogc_features(rows, access.exact_view(viewer))

    def page_link(rel: str, page_offset: int, after_id: int | None = None) -> dict:
        values: dict[str, Any] = {"limit": limit, "offset": page_offset}
        if after_id is not None:
            values["after"] = after_id
        if bbox is not None:
            values["bbox"] = ",".join(repr(n) for n in bbox)
        if request.args.get("datetime"):
            values["datetime"] = request.args["datetime"]
        return _link(
            "ogc.items", rel, GEOJSON, rel.capitalize(), collection_id=COLLECTION, **values
        )

    links = [page_link("self", offset, after)]
    if more:
        # The next page starts after this page's last id (keyset): it costs what the first
        # page costs at any depth. Its offset is kept for its own prev link.
        links.append(page_link("next", offset + limit, features[-1]["id"]))
    if offset > 0:
        links.append(page_link("prev", max(offset - limit, 0)))
    return Response(
        current_app.json.dumps({
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": _timestamp(utcnow()),
            "links": links,
        }),
        mimetype=GEOJSON,
    )


@bp.get("/collections/<collection_id>/items/<feature_id>")
@read_only
def item(collection_id: str, feature_id: str):
    _require_collection(collection_id)
    # Read here, not by an int converter: an id that is no id is a JSON 404 like any other.
    if not feature_id.isascii() or not feature_id.isdigit() or not 0 < int(feature_id) <= MAX_ID:
        raise NotFound()
    listing = access.get_published_listing_for(current_user, int(feature_id))
    body = _feature(listing, access.exact_view(current_user._get_current_object()))
    body["links"] = [
        _link(
            "ogc.item",
            "self",
            GEOJSON,
            "This feature",
            collection_id=COLLECTION,
            feature_id=feature_id,
        ),
        _link(
            "ogc.collection",
            "collection",
            "application/json",
            "The collection",
            collection_id=COLLECTION,
        ),
    ]
    return _answer(body, GEOJSON)
