"""Marshmallow schemas of the listings domain: *Schema dumps, *Args loads.

A listing is written by `listing_json(listing, exact=...)`, which applies who may see
what (exact or approximate location, street, contact) and gives the shape that
ListingSchema documents; the fields of the other kind are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate
from shapely.geometry import mapping
from sqlalchemy import Date, DateTime, Numeric, Row

from exchange.geo import to_geometry
from exchange.listings.models import (
    DESCRIPTION_MAX_LENGTH,
    AttachmentKind,
    Listing,
    ListingKind,
    ListingStatus,
)
from exchange.listings.services import BEDS_FIELDS, FLAT_FIELDS, POLICIES, approximate
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import LocationField

MONEY = validate.Range(min=0, max=1_000_000)
POSTAL_CODE = validate.Regexp(r"^\d{5}$", error="A German postal code has five digits.")


# --- dumping -----------------------------------------------------------------------------


class AddressSchema(Schema):
    street = fields.String(allow_none=True, metadata={"description": "null unless exact"})
    postal_code = fields.String()
    city = fields.String()


class LocationSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()


class BedsByPolicySchema(Schema):
    male = fields.Integer(allow_none=True)
    female = fields.Integer(allow_none=True)
    family = fields.Integer(allow_none=True)
    mixed = fields.Integer(allow_none=True)


class ContactSchema(Schema):
    name = fields.String()
    email = fields.String()
    phone = fields.String()


class AttachedDocumentSchema(Schema):
    """A file on a listing: the document (GET /documents/{id}/content, /thumbnail)."""

    id = fields.Integer(attribute="document_id")
    filename = fields.String(attribute="document.filename")
    content_type = fields.String(attribute="document.content_type")
    size = fields.Integer(attribute="document.size")
    has_thumbnail = fields.Function(lambda a: a.document.thumbnail_sha256 is not None)
    kind = fields.String(metadata={"description": "photo or document"})


class ListingSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    description = fields.String()
    address = fields.Nested(AddressSchema)
    location = fields.Nested(LocationSchema)
    location_precision = fields.String(
        metadata={"description": "exact, or approximate (rounded to about 500 m)"}
    )
    organization_id = fields.Integer()
    organization_name = fields.String()
    owner_verified = fields.Boolean(
        metadata={"description": "false: the owning landlord organisation is not verified"}
    )
    owner_id = fields.Integer(allow_none=True)
    contact = fields.Nested(ContactSchema, metadata={"description": "officials and owners only"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    listed_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    flagged_at = fields.DateTime(allow_none=True)
    flag_reason = fields.String(allow_none=True)
    reserved_at = fields.DateTime(allow_none=True)
    # flat
    rooms = fields.Float(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    max_occupants = fields.Integer(allow_none=True)
    rent_cold = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "EUR"})
    utilities = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "EUR"})
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    furnished = fields.Boolean(allow_none=True)
    accessible = fields.Boolean(allow_none=True)
    pets_allowed = fields.Boolean(allow_none=True)
    # beds
    free_beds = fields.Integer(allow_none=True)
    beds_by_policy = fields.Nested(BedsByPolicySchema)
    accessible_beds = fields.Integer(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    shelter_id = fields.Integer(allow_none=True)
    source = fields.String(allow_none=True)
    distance_km = fields.Float(metadata={"description": "with near only"})
    photos = fields.List(
        fields.Nested(AttachedDocumentSchema),
        metadata={"description": "images, in order; in single-listing answers (not searches)"},
    )
    documents = fields.List(
        fields.Nested(AttachedDocumentSchema),
        metadata={"description": "other files; in single-listing answers (not searches)"},
    )


_COMMON = (
    "id",
    "kind",
    "status",
    "title",
    "description",
    "organization_id",
    "owner_id",
    "created_at",
    "updated_at",
    "listed_at",
    "confirmed_at",
    "expires_at",
    "flagged_at",
    "flag_reason",
    "reserved_at",
)
_OWN_FIELDS = {
    ListingKind.FLAT: _COMMON + FLAT_FIELDS,
    ListingKind.BEDS: _COMMON
    + tuple(f for f in BEDS_FIELDS if f != "beds_by_policy")
    + ("source",),
}
_AS_NUMBER = frozenset({"rooms", "area_m2"})
#: What a listing shows besides its own fields, read at once with them.
_SHOWN = (
    "lat", "lon", "street", "postal_code", "city", "organization_name",
    "organization_verified", "owner_id", "owner_name", "owner_email", "owner_phone",
    *(f"beds_{policy}" for policy in POLICIES),
)


@dataclass(frozen=True)
class _Layout:
    """How to read one kind of listing from one kind of source: a getter of its own
    fields at once and their names, which of them are dates (written ISO 8601) and
    decimals (numbers or strings, see _decimal), and a getter of _SHOWN."""

    own: Callable[[Any], tuple]
    names: tuple[str, ...]
    dates: tuple[str, ...]
    decimals: tuple[str, ...]
    shown: Callable[[Any], tuple]


def _layouts(getter: Callable[..., Callable[[Any], tuple]]) -> dict[str, _Layout]:
    columns = Listing.__table__.columns
    layouts = {}
    for kind, names in _OWN_FIELDS.items():
        dates = tuple(n for n in names if isinstance(columns[n].type, Date | DateTime))
        decimals = tuple(n for n in names if isinstance(columns[n].type, Numeric))
        layouts[kind] = _Layout(getter(*names), names, dates, decimals, getter(*_SHOWN))
    return layouts


#: Listings (ORM objects) by attribute.
_BY_ATTRIBUTE = _layouts(attrgetter)


@cache
def _by_position(fields: tuple[str, ...]) -> dict[str, _Layout]:
    """Rows of a search page (services._page_select) by position: their fields are the
    names listing_json reads, and a row read by index costs a fraction of one read by
    attribute or copied into an object."""
    index = {name: position for position, name in enumerate(fields)}
    return _layouts(lambda *names: itemgetter(*(index[name] for name in names)))


def _decimal(name: str, value: Decimal) -> float | str:
    return float(value) if name in _AS_NUMBER else f"{value:f}"


def listing_json(
    listing: Listing | Row, *, exact: bool, distance_m: float | None = None
) -> dict[str, Any]:
    """A listing as JSON (the shape of ListingSchema) as one viewer may see it: with
    ``exact`` the street, exact location and owner contact; without, the location rounded
    to about 500 m and no street or contact. Built by hand: search pages present many.

    ``listing`` is a Listing or a row of `services._page_select` (search pages are read as
    plain rows: building ORM objects for them took longer than their SQL)."""
    if isinstance(listing, Row):
        layout = _by_position(listing._fields)[listing.kind]
    else:
        layout = _BY_ATTRIBUTE[listing.kind]
    return _json(layout, listing, exact, distance_m, layout.dates)


def page_json(
    rows: list[Row], exact: Callable[[Row], bool], distances: list[float | None]
) -> list[dict[str, Any]]:
    """A search page's rows as listing_json writes them, for the app's JSON provider only:
    dates and times stay date and datetime objects, which orjson writes in ISO 8601 as
    isoformat would, several times faster (they were a third of presenting a page)."""
    if not rows:
        return []
    layouts = _by_position(rows[0]._fields)
    return [
        _json(layouts[row.kind], row, exact(row), distance_m, ())
        for row, distance_m in zip(rows, distances, strict=True)
    ]


def _json(
    layout: _Layout,
    listing: Listing | Row,
    exact: bool,
    distance_m: float | None,
    iso_dates: tuple[str, ...],
) -> dict[str, Any]:
    # All fields at once, then the few typed ones converted: a page presents many listings.
    data = dict(zip(layout.names, layout.own(listing), strict=True))
    for name in iso_dates:
        if (value := data[name]) is not None:
            data[name] = value.isoformat()
    for name in layout.decimals:
        if (value := data[name]) is not None:
            data[name] = _decimal(name, value)
    (lat, lon, street, postal_code, city, organization_name, organization_verified,
     owner_id, owner_name, owner_email, owner_phone, *beds) = layout.shown(listing)
    if exact:
        data["location"] = {"lat": round(lat, 7), "lon": round(lon, 7)}
    else:
        lat, lon = approximate(round(lat, 7), round(lon, 7))
        data["location"] = {"lat": lat, "lon": lon}
    data["location_precision"] = "exact" if exact else "approximate"
    data["address"] = {
        "street": street if exact else None, "postal_code": postal_code, "city": city
    }
    data["organization_name"] = organization_name
    data["owner_verified"] = organization_verified
    if data["kind"] == ListingKind.BEDS:
        data["beds_by_policy"] = dict(zip(POLICIES, beds, strict=True))
    if exact and owner_id is not None:
        data["contact"] = {"name": owner_name, "email": owner_email, "phone": owner_phone}
    if distance_m is not None:
        # Others get distances in half kilometres: exact ones would give the place away.
        data["distance_km"] = round(distance_m / 1000, 3) if exact else round(distance_m / 500) / 2
    return data


#: The JSON of a listing for socket events.
dump_listing = listing_json


def feature(item: dict) -> dict:
    """A dumped listing as a GeoJSON Feature (properties: the listing without location)."""
    properties = {k: v for k, v in item.items() if k != "location"}
    location = item["location"]
    return {
        "type": "Feature",
        "id": item["id"],
        "geometry": {"type": "Point", "coordinates": [location["lon"], location["lat"]]},
        "properties": properties,
    }


ListingPageSchema = page_schema(ListingSchema, "ListingPageSchema")


# --- loading -----------------------------------------------------------------------------


def _numbers(value: Any, count: int, what: str) -> list[float]:
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValidationError(f"Use {what}.")
    if len(parts) != count:
        raise ValidationError(f"Use {what}.")
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Use {what}: numbers only.") from exc
    if not all(math.isfinite(n) for n in numbers):
        raise ValidationError(f"Use {what}: finite numbers only.")
    return numbers


def _check_lon_lat(lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise ValidationError("Longitude must be between -180 and 180.")
    if not -90 <= lat <= 90:
        raise ValidationError("Latitude must be between -90 and 90.")


class BBoxField(fields.String):
    """`minLon,minLat,maxLon,maxLat` (or a list of the four numbers)."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float, float, float]:
        min_lon, min_lat, max_lon, max_lat = _numbers(value, 4, "minLon,minLat,maxLon,maxLat")
        _check_lon_lat(min_lon, min_lat)
        _check_lon_lat(max_lon, max_lat)
        if min_lon >= max_lon or min_lat >= max_lat:
            raise ValidationError("Use minLon,minLat,maxLon,maxLat with min < max.")
        return min_lon, min_lat, max_lon, max_lat

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value) if value is not None else None


class NearField(fields.String):
    """`lat,lon` (or a list of the two numbers)."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float]:
        lat, lon = _numbers(value, 2, "lat,lon")
        _check_lon_lat(lon, lat)
        return lat, lon

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value) if value is not None else None


class FilterArgs(Schema):
    """Search filters: what GET /listings and saved searches share."""

    bbox = BBoxField(metadata={"description": "minLon,minLat,maxLon,maxLat"})
    near = NearField(metadata={"description": "lat,lon"})
    radius_km = fields.Float(validate=validate.Range(min=0, max=1000, min_inclusive=False))
    kind = fields.String(validate=validate.OneOf([k.value for k in ListingKind]))
    min_beds = fields.Integer(validate=validate.Range(min=1, max=100_000))
    max_rent = fields.Decimal(places=2, validate=MONEY, metadata={"description": "EUR"})
    available_by = fields.Date()
    accessible = fields.Boolean()
    organization_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class ListingSearchArgs(ListArgs, FilterArgs):
    status = fields.String(
        load_default=ListingStatus.PUBLISHED.value,
        validate=validate.OneOf([s.value for s in ListingStatus]),
    )
    sort = fields.String(validate=validate.OneOf(["distance", "newest"]))
    format = fields.String(
        validate=validate.OneOf(["json", "geojson"]),
        metadata={"description": "geojson: the same as Accept: application/geo+json"},
    )


class ClusterArgs(FilterArgs):
    bbox = BBoxField(required=True, metadata={"description": "minLon,minLat,maxLon,maxLat"})
    zoom = fields.Integer(required=True, validate=validate.Range(min=0, max=24))


class ClusterSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()
    count = fields.Integer()
    free_beds = fields.Integer()
    listing_id = fields.Integer(metadata={"description": "when the cluster is one listing"})

    @post_dump
    def _listing_id_only_when_one(self, data: dict, **_: Any) -> dict:
        if data.get("listing_id") is None:
            data.pop("listing_id", None)
        return data


class ClusterResultSchema(Schema):
    clusters = fields.List(fields.Nested(ClusterSchema))
    level = fields.Integer()
    cell_deg = fields.Float(metadata={"description": "grid cell size in degrees"})


class AddressArgs(Schema):
    street = fields.String(load_default="", validate=validate.Length(max=200))
    postal_code = fields.String(required=True, validate=POSTAL_CODE)
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AddressChangeArgs(Schema):
    street = fields.String(validate=validate.Length(max=200))
    postal_code = fields.String(validate=POSTAL_CODE)
    city = fields.String(validate=validate.Length(min=1, max=100))


class BedsByPolicyArgs(Schema):
    male = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    female = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    family = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    mixed = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))


class ListingUpdateArgs(Schema):
    """PATCH: every field optional; kind and organisation never change."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX_LENGTH))
    address = fields.Nested(AddressChangeArgs)
    location = fields.Nested(LocationField)
    rooms = fields.Decimal(places=1, allow_none=True, validate=validate.Range(min=0, max=100))
    area_m2 = fields.Decimal(places=2, allow_none=True, validate=validate.Range(min=0, max=99_999))
    max_occupants = fields.Integer(validate=validate.Range(min=1, max=10_000))
    rent_cold = fields.Decimal(places=2, allow_none=True, validate=MONEY)
    utilities = fields.Decimal(places=2, allow_none=True, validate=MONEY)
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    furnished = fields.Boolean(allow_none=True)
    accessible = fields.Boolean(allow_none=True)
    pets_allowed = fields.Boolean(allow_none=True)
    free_beds = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    beds_by_policy = fields.Nested(BedsByPolicyArgs)
    accessible_beds = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    valid_until = fields.Date(allow_none=True)
    shelter_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class ListingCreateArgs(ListingUpdateArgs):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ListingKind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.Nested(AddressArgs, required=True)
    location = fields.Nested(LocationField, required=True)
    organization_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "needed only when you belong to several organisations"},
    )
    publish = fields.Boolean(load_default=False)


class ListingDocumentArgs(Schema):
    document_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "a document you uploaded (POST /documents) or may read"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in AttachmentKind]),
        metadata={"description": "photo (PNG, JPEG, GIF or WebP only) or document"},
    )


class FlagArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class SavedSearchArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filters = fields.Nested(FilterArgs, load_default=dict)
    area = fields.Dict(load_default=None, metadata={"description": "a GeoJSON Polygon in lon/lat"})


class SavedSearchSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    filters = fields.Dict()
    area = fields.Method("_area")
    created_at = fields.DateTime()

    def _area(self, saved) -> dict | None:
        return mapping(to_geometry(saved.area)) if saved.area is not None else None


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    payload = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListArgs(ListArgs):
    unread = fields.Boolean(load_default=False)


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPageSchema")


class MarkedSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "how many were unread"})
