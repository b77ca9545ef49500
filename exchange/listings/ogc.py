"""OGC API – Features (Part 1: Core, GeoJSON) over the published listings, for QGIS & co.

    /ogc                                   landing page
    /ogc/conformance                       what is implemented
    /ogc/collections                       the one collection, `listings`
    /ogc/collections/listings/items        GeoJSON, `bbox`, `limit`, `offset`
    /ogc/collections/listings/items/{id}   one feature

Every call needs a signed-in user: the session cookie, or `Authorization: Bearer <API
token>` (in QGIS: an "API Header" authentication). Published listings only, with the same
visibility as the REST API (locations rounded for all but officials and the owner's side).
Errors follow the standard: 400 for a bad parameter, 404, 401, as {"code", "description"}.
"""

from __future__ import annotations

import json
import math

from flask import Blueprint, Response, request, url_for
from flask_login import current_user

from exchange.db import utcnow
from exchange.errors import NotFound
from exchange.listings import services
from exchange.listings.schemas import feature, listing_json

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

COLLECTION = "listings"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


class OgcError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _answer(body: dict, mimetype: str = "application/json", status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)


@bp.errorhandler(OgcError)
def _ogc_error(error: OgcError) -> Response:
    response = _answer({"code": error.code, "description": error.description}, status=error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="exchange"'
    return response


@bp.errorhandler(NotFound)
def _not_found(_error: NotFound) -> Response:
    return _ogc_error(OgcError(404, "NotFound", "No such feature."))


@bp.before_request
def _require_user() -> None:
    if not current_user.is_authenticated:
        raise OgcError(401, "Unauthorized", "Sign in, or send Authorization: Bearer <API token>.")


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
                {
                    "href": url_for("api-docs.openapi_json", _external=True),
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "title": "The OpenAPI document of the REST API",
                },
                _link("ogc.conformance", "conformance", "application/json", "Conformance"),
                _link("ogc.collections", "data", "application/json", "Collections"),
            ],
        }
    )


@bp.get("/conformance")
def conformance():
    return _answer({"conformsTo": CONFORMANCE})


def _collection() -> dict:
    return {
        "id": COLLECTION,
        "title": "Listings",
        "description": "Published flats and free beds that you may see.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}},
        "links": [
            _link(
                "ogc.collection",
                "self",
                "application/json",
                "This collection",
                collection_id=COLLECTION,
            ),
            _link("ogc.items", "items", GEOJSON, "The listings", collection_id=COLLECTION),
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
        raise OgcError(404, "NotFound", f"No collection {collection_id!r}.")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    _require_collection(collection_id)
    return _answer(_collection())


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", f"{name}: not an integer.") from exc
    if not low <= value <= high:
        raise OgcError(400, "InvalidParameterValue", f"{name}: must be {low}..{high}.")
    return value


def _bbox_param() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    message = "bbox: use minLon,minLat,maxLon,maxLat (CRS84) with min < max."
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError as exc:
        raise OgcError(400, "InvalidParameterValue", message) from exc
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise OgcError(400, "InvalidParameterValue", message)
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise OgcError(400, "InvalidParameterValue", message)
    return min_lon, min_lat, max_lon, max_lat


def _feature(listing, exact) -> dict:
    return feature(_flat(listing_json(listing, exact=exact(listing))))


def _flat(item: dict) -> dict:
    """Nested objects as plain columns, which GIS tools show best."""
    flat = {}
    for key, value in item.items():
        if isinstance(value, dict) and key != "location":
            prefix = "" if key == "address" else f"{key}_"
            for inner, inner_value in value.items():
                flat[f"{prefix}{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    _require_collection(collection_id)
    bbox = _bbox_param()
    limit = _int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_param("offset", 0, 0, 10**9)
    listings, matched = services.count_and_page(current_user, bbox, limit, offset)
    exact = services.exact_view(current_user._get_current_object())
    features = [_feature(listing, exact) for listing in listings]

    def page_link(rel: str, page_offset: int) -> dict:
        values = {"limit": limit, "offset": page_offset}
        if bbox is not None:
            values["bbox"] = ",".join(repr(n) for n in bbox)
        return _link(
            "ogc.items", rel, GEOJSON, rel.capitalize(), collection_id=COLLECTION, **values
        )

    links = [page_link("self", offset)]
    if offset + len(features) < matched:
        links.append(page_link("next", offset + limit))
    if offset > 0:
        links.append(page_link("prev", max(offset - limit, 0)))
    return _answer(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": utcnow().isoformat().replace("+00:00", "Z"),
            "links": links,
        },
        GEOJSON,
    )


@bp.get("/collections/<collection_id>/items/<int:feature_id>")
def item(collection_id: str, feature_id: int):
    _require_collection(collection_id)
    listing = services.get_published_listing(current_user, feature_id)
    body = _feature(listing, services.exact_view(current_user._get_current_object()))
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
