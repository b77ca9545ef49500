"""Marshmallow schemas of the listings domain: *Schema dumps, *Args loads.

``ListingSchema(exact=...)`` is the one source of a listing's shape: it applies who may see
what (exact or approximate location, street, contact) and leaves out the fields of the
other kind. Search pages are written by page_json.py's fast path, derived from this schema
and tested against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from marshmallow import Schema, fields, missing, post_dump, validate
from shapely.geometry import mapping

from exchange.geo import to_geometry
from exchange.geo_fields import BBoxField, NearField
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import LocationField
from exchange.schemas import RecordSchema

from .access import approximate
from .models import (
    BEDS_FIELDS,
    DESCRIPTION_MAX_LENGTH,
    FLAT_FIELDS,
    POLICIES,
    AttachmentKind,
    ListingKind,
    ListingStatus,
)

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


class AttachedFileSchema(Schema):
    """A file on a listing: the document (GET /documents/{id}/content, /thumbnail)."""

    id = fields.Integer(attribute="document_id")
    filename = fields.String(attribute="document.filename")
    content_type = fields.String(attribute="document.content_type")
    size = fields.Integer(attribute="document.size")
    has_thumbnail = fields.Function(lambda a: a.document.thumbnail_sha256 is not None)


class AttachedDocumentSchema(AttachedFileSchema):
    """A file just attached, with how: photo or document."""

    kind = fields.String(metadata={"description": "photo or document"})


#: Fields a listing of each kind leaves out (those of the other kind).
FOREIGN_FIELDS = {
    ListingKind.FLAT: frozenset({*BEDS_FIELDS, "source"}),
    ListingKind.BEDS: frozenset(FLAT_FIELDS),
}


class ListingSchema(Schema):
    """A listing (an ORM Listing, or a row of search.page_select) as one viewer may see it:
    with ``exact`` (a bool, or a function of the listing) the street, exact location and
    owner contact; without, the location rounded to about 500 m and no street or contact.
    ``attachments`` (single-listing answers) adds its photos and documents."""

    def __init__(
        self,
        *,
        exact: bool | Callable[[Any], bool] = False,
        attachments: Sequence[Any] | None = None,
        fits_households: Sequence[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.exact = exact if callable(exact) else (lambda _listing, exact=exact: exact)
        self.attachments = attachments
        self.fits_households = fits_households

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
        attribute="organization_verified",
        metadata={"description": "false: the owning landlord organisation is not verified"},
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
        fields.Nested(AttachedFileSchema),
        metadata={"description": "images, in order; in single-listing answers (not searches)"},
    )
    documents = fields.List(
        fields.Nested(AttachedFileSchema),
        metadata={"description": "other files; in single-listing answers (not searches)"},
    )
    fits_households = fields.List(
        fields.Integer(),
        metadata={"description": "flats: the household sizes it is appropriate for today "
                  "(room for all, rent + utilities and area within the limits of its "
                  "municipality); in single-listing answers (not searches)"},
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        """The listing's own fields, those of the other kind left out; the shown ones
        (address, location, contact …) as the viewer may see them."""
        if attr in FOREIGN_FIELDS[obj.kind]:
            return missing
        shown = SHOWN.get(attr)
        if shown is not None:
            return shown(self, obj)
        return getattr(obj, attr, default)

    def _location(self, obj: Any) -> dict:
        lat, lon = round(obj.lat, 7), round(obj.lon, 7)
        if not self.exact(obj):
            lat, lon = approximate(lat, lon)
        return {"lat": lat, "lon": lon}

    def _address(self, obj: Any) -> dict:
        street = obj.street if self.exact(obj) else None
        return {"street": street, "postal_code": obj.postal_code, "city": obj.city}

    def _contact(self, obj: Any) -> dict | Any:
        if not self.exact(obj) or obj.owner_id is None:
            return missing
        return {"name": obj.owner_name, "email": obj.owner_email, "phone": obj.owner_phone}

    def _distance_km(self, obj: Any) -> float | Any:
        distance_m = getattr(obj, "distance_m", None)
        if distance_m is None:
            return missing
        # Others get distances in half kilometres: exact ones would give the place away.
        return round(distance_m / 1000, 3) if self.exact(obj) else round(distance_m / 500) / 2

    def _attached(self, kind: str) -> list | Any:
        if self.attachments is None:
            return missing
        return [a for a in self.attachments if a.kind == kind]


#: How the shown fields are read (ListingSchema.get_attribute).
SHOWN: dict[str, Callable[[ListingSchema, Any], Any]] = {
    "location": ListingSchema._location,
    "address": ListingSchema._address,
    "contact": ListingSchema._contact,
    "location_precision": lambda schema, obj: "exact" if schema.exact(obj) else "approximate",
    "beds_by_policy": lambda schema, obj: {p: getattr(obj, f"beds_{p}") for p in POLICIES},
    "distance_km": ListingSchema._distance_km,
    "photos": lambda schema, obj: schema._attached(AttachmentKind.PHOTO),
    "documents": lambda schema, obj: schema._attached(AttachmentKind.DOCUMENT),
    "fits_households": lambda schema, obj: (
        list(schema.fits_households) if schema.fits_households is not None else missing),
}


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
    fits_household = fields.Integer(
        validate=validate.Range(min=1, max=20),
        metadata={"description": "flats appropriate for a household of this size today: "
                  "room for all, rent + utilities and area within the rent and size limits "
                  "of the municipality the flat lies in"},
    )


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


class SavedSearchSchema(RecordSchema):
    name = fields.String()
    filters = fields.Dict()
    area = fields.Method("_area")
    created_at = fields.DateTime()

    def _area(self, saved) -> dict | None:
        return mapping(to_geometry(saved.area)) if saved.area is not None else None
