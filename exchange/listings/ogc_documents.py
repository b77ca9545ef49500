"""The documents that describe the OGC API – Features of listings (see ogc.py): the JSON
Schema of a feature's properties (`describedby`, `/schema`), the queryables (Part 3) and
the OpenAPI 3.0 document of the /ogc paths (`service-desc`).

The feature schema is derived from ListingSchema, the one source of a listing's shape, so
a new field of a listing is a new column in QGIS and GDAL without a change here.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from marshmallow import Schema, fields

from exchange.listings.schemas import ListingSchema

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
#: Fields of ListingSchema that are no columns of a feature: the location is its
#: geometry, distances come with `near` only, files with single-listing answers only.
_NOT_PROPERTIES = frozenset({"location", "distance_km", "photos", "documents"})
#: Nested objects written as flat columns (ogc.flat_properties): prefix of their fields.
NESTED_PREFIX = {"address": "", "contact": "contact_", "beds_by_policy": "beds_by_policy_"}
#: Always there; every other property is left out of a feature when it has no value.
REQUIRED = ("id", "kind", "status", "title")
#: The feature's time: what `datetime` filters and the temporal extent spans.
TEMPORAL_PROPERTY = "listed_at"


def _json_type(field: fields.Field) -> dict[str, Any]:
    """One marshmallow field as a JSON Schema type. One type each, never a list with
    "null" (GDAL 3.6 reads only a single type): a property without a value is left out."""
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.Integer):
        return {"type": "integer"}
    if isinstance(field, fields.Float | fields.Decimal):
        return {"type": "number"}
    if isinstance(field, fields.DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    return {"type": "string"}


def _described(field: fields.Field, title: str) -> dict[str, Any]:
    schema = {"title": title, **_json_type(field)}
    if description := field.metadata.get("description"):
        schema["description"] = description
    return schema


@cache
def feature_properties() -> dict[str, dict[str, Any]]:
    """The columns of a feature, by name, as JSON Schema, in the order of ListingSchema."""
    properties: dict[str, dict[str, Any]] = {}
    for name, field in ListingSchema().fields.items():
        if name in _NOT_PROPERTIES:
            continue
        if isinstance(field, fields.Nested):
            nested: Schema = field.schema
            for inner, inner_field in nested.fields.items():
                flat = f"{NESTED_PREFIX[name]}{inner}"
                properties[flat] = _described(inner_field, flat)
        else:
            properties[name] = _described(field, name)
    properties[TEMPORAL_PROPERTY]["x-ogc-role"] = "primary-instant"
    return properties


def feature_schema(schema_id: str) -> dict[str, Any]:
    """The JSON Schema of a feature of the collection (a GeoJSON Feature with a Point)."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": schema_id,
        "title": "Listing",
        "description": "A published flat or free-bed announcement as a GeoJSON feature; a "
        "property without a value is left out.",
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": _point_schema(),
            "properties": {
                "type": "object",
                "required": list(REQUIRED),
                "properties": feature_properties(),
            },
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }


def _point_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "minItems": 2, "maxItems": 2,
                            "items": {"type": "number"}},
        },
    }


def queryables(schema_id: str) -> dict[str, Any]:
    """Part 3 queryables: the properties a request can select by, the geometry (`bbox`)
    and the listing's time (`datetime`); nothing else is filtered by the server."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": schema_id,
        "title": "Listings",
        "type": "object",
        "properties": {
            "geometry": {"title": "location", "format": "geometry-point",
                         "x-ogc-role": "primary-geometry"},
            TEMPORAL_PROPERTY: feature_properties()[TEMPORAL_PROPERTY],
        },
        "additionalProperties": False,
    }


# --- the OpenAPI document of /ogc --------------------------------------------------------

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
_ERRORS = {
    "400": "A bad parameter (named in the description).",
    "401": "Not signed in: send Authorization: Bearer <API token>.",
    "404": "No such collection or feature (or outside your reach).",
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _operation(operation_id: str, summary: str, media_type: str, schema: dict,
               parameters: list[dict] | None = None, errors: tuple[str, ...] = ("401",),
               ) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": summary, "content": {media_type: {"schema": schema}}},
    }
    responses.update({status: _ref("responses", f"E{status}") for status in errors})
    return {"get": {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["OGC API – Features"],
        "parameters": parameters or [],
        "responses": responses,
    }}


def _query(name: str, description: str, schema: dict, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


@lru_cache(maxsize=8)  # by host name, which a request names: a few, never unbounded
def openapi(server_url: str) -> dict[str, Any]:
    """OpenAPI 3.0 of the /ogc paths (the OpenAPI 3.0 conformance class); paths are
    relative to ``server_url``, the landing page."""
    collection = {"name": "collectionId", "in": "path", "required": True,
                  "description": "The collection: listings.",
                  "schema": {"type": "string", "enum": ["listings"]}}
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "description": "The id of a listing.",
                  "schema": {"type": "integer", "minimum": 1}}
    items_parameters = [
        collection,
        _query("limit", "Features per page.",
               {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}),
        _query("offset", "Features to skip.",
               {"type": "integer", "minimum": 0, "default": 0}),
        _query("after", "Features after this id (the `next` link carries it, with the "
               "offset it stands for): a next page costs the same at any depth.",
               {"type": "integer", "minimum": 0}),
        _query("bbox", "minLon,minLat,maxLon,maxLat in CRS84 (six numbers: with heights, "
               "which are ignored); listings whose point lies in it.",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
               style="form", explode=False),
        _query("datetime", f"Listings whose `{TEMPORAL_PROPERTY}` (when it was published) "
               "is this instant (a date: that day, Europe/Berlin) or lies in this interval "
               "(`start/end`, `..` or nothing for an open end), RFC 3339.",
               {"type": "string"}),
    ]
    features = {"type": "array", "items": _ref("schemas", "feature")}
    feature_collection = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": features,
            "links": {"type": "array", "items": _ref("schemas", "link")},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }
    json_object = {"type": "object"}
    feature = feature_schema("feature")
    feature.pop("$schema"), feature.pop("$id")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Exchange: OGC API – Features of listings",
            "version": "1.0.0",
            "description": "Published flats and free beds for GIS clients (QGIS, GDAL, "
            "OWSLib). Signed-in users only: send `Authorization: Bearer <API token>`.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"session": []}],
        "tags": [{"name": "OGC API – Features"}],
        "paths": {
            "/": _operation("ogcLandingPage", "The landing page", "application/json",
                            json_object),
            "/api": _operation("ogcApiDefinition", "This document", OPENAPI_MEDIA_TYPE,
                               json_object),
            "/conformance": _operation("ogcConformance", "The conformance classes",
                                       "application/json", json_object),
            "/collections": _operation("ogcCollections", "The collections",
                                       "application/json", json_object),
            "/collections/{collectionId}": _operation(
                "ogcCollection", "The collection, its extent and links", "application/json",
                json_object, [collection], ("401", "404")),
            "/collections/{collectionId}/queryables": _operation(
                "ogcQueryables", "The queryables (JSON Schema)", "application/schema+json",
                json_object, [collection], ("401", "404")),
            "/collections/{collectionId}/schema": _operation(
                "ogcSchema", "The JSON Schema of a feature", "application/schema+json",
                json_object, [collection], ("401", "404")),
            "/collections/{collectionId}/items": _operation(
                "ogcItems", "A page of features", "application/geo+json",
                feature_collection, items_parameters, ("400", "401", "404")),
            "/collections/{collectionId}/items/{featureId}": _operation(
                "ogcItem", "One feature", "application/geo+json", _ref("schemas", "feature"),
                [collection, feature_id], ("401", "404")),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A personal API token (POST /api/v1/auth/tokens)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "feature": feature,
                "link": {
                    "type": "object",
                    "required": ["href", "rel"],
                    "properties": {name: {"type": "string"}
                                   for name in ("href", "rel", "type", "title")},
                },
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"},
                                   "description": {"type": "string"}},
                },
            },
            "responses": {
                f"E{status}": {
                    "description": description,
                    "content": {"application/json": {"schema": _ref("schemas", "exception")}},
                }
                for status, description in _ERRORS.items()
            },
        },
    }
