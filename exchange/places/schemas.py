"""The gazetteer's API shapes: what a search takes and what it answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from exchange.geo_fields import BBoxField
from exchange.places.search import split_query

MAX_LIMIT = 20
MAX_LABELS = 100


class PlaceSearchArgs(Schema):
    q = fields.String(
        required=True, validate=validate.Length(min=2, max=100),
        metadata={"description": "a town's name or a postcode (or its first digits)",
                  "example": "Osnabrück"},
    )
    limit = fields.Integer(load_default=8, validate=validate.Range(1, MAX_LIMIT))

    @validates("q")
    def _searchable(self, value: str, **_: object) -> None:
        digits, key = split_query(value)
        if not digits and len(key) < 2:
            raise ValidationError("Type at least two letters of a place or two digits of a "
                                  "postcode.")


class PlaceLabelArgs(Schema):
    bbox = BBoxField(required=True, metadata={"description": "minLon,minLat,maxLon,maxLat"})
    limit = fields.Integer(load_default=40, validate=validate.Range(1, MAX_LABELS))
    zoom = fields.Integer(
        validate=validate.Range(0, 24),
        metadata={"description": "the map's zoom: from 12 on the view's postcodes come too"},
    )


class PlaceSchema(Schema):
    kind = fields.String(metadata={"enum": ["postcode", "town"]})
    name = fields.String()
    state = fields.String(metadata={"description": "the federal state (Bundesland)"})
    postal_code = fields.String(metadata={"description": "a town's first postcode"})
    label = fields.String(metadata={"description": "what a list shows, e.g. '49074 Osnabrück'"})
    lat = fields.Float()
    lon = fields.Float()
    postcode_count = fields.Integer(
        metadata={"description": "how many postcodes the town has: its size, roughly"}
    )


class PlaceListSchema(Schema):
    items = fields.List(fields.Nested(PlaceSchema))


class PlaceLabelsSchema(PlaceListSchema):
    nearest = fields.Nested(
        PlaceSchema, allow_none=True,
        metadata={"description": "the postcode nearest to the area's centre"},
    )
