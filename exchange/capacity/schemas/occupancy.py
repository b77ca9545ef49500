"""Schemas of occupancy: check-in, check-out, moves and placement search
(exchange.capacity.api.occupancy)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.capacity.models import Gender
from exchange.pagination import list_schema
from exchange.profiles.schemas import VALID_ID, LocationField
from exchange.schemas import RecordSchema

from . import one_of as _one_of


class OccupancyArgs(Schema):
    person_id = fields.Integer(required=True, validate=VALID_ID)
    bed_id = fields.Integer(required=True, validate=VALID_ID)


class OccupancySchema(RecordSchema):
    person_id = fields.Integer()
    bed_id = fields.Integer()
    started_at = fields.DateTime(attribute="period.lower")
    ended_at = fields.DateTime(attribute="period.upper", allow_none=True)


class MoveArgs(Schema):
    person_id = fields.Integer(load_default=None, validate=VALID_ID)
    household_id = fields.Integer(load_default=None, validate=VALID_ID)
    bed_ids = fields.List(
        fields.Integer(validate=VALID_ID),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "one per person; a household's members in id order"},
    )

    @validates_schema
    def _one_subject(self, data: dict, **_: Any) -> None:
        if (data.get("person_id") is None) == (data.get("household_id") is None):
            raise ValidationError("Give person_id or household_id.", "person_id")


class MoveResultSchema(Schema):
    started = fields.List(fields.Nested(OccupancySchema))
    ended = fields.List(fields.Nested(OccupancySchema))


# --- placement -----------------------------------------------------------------------------


class GroupMemberArgs(Schema):
    gender = fields.String(required=True, validate=_one_of(Gender))
    age = fields.Integer(load_default=None, validate=validate.Range(0, 130))


class PlacementArgs(Schema):
    household_id = fields.Integer(load_default=None, validate=VALID_ID)
    persons = fields.List(
        fields.Nested(GroupMemberArgs), load_default=None, validate=validate.Length(min=1, max=50)
    )
    accessible = fields.Boolean(load_default=False)
    near = fields.Nested(LocationField, load_default=None)
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))

    @validates_schema
    def _one_group(self, data: dict, **_: Any) -> None:
        if (data.get("household_id") is None) == (data.get("persons") is None):
            raise ValidationError("Give household_id or persons.", "household_id")


class PlacementSchema(Schema):
    """A room that can take the group (dumps placement.Placement)."""

    shelter_id = fields.Integer(attribute="shelter.id")
    shelter_name = fields.String(attribute="shelter.name")
    organization_id = fields.Integer(attribute="shelter.organization_id")
    room_id = fields.Integer(attribute="room.id")
    room_name = fields.String(attribute="room.name")
    policy = fields.String(attribute="room.policy")
    accessible = fields.Boolean(attribute="room.accessible")
    free_beds = fields.Integer()
    leftover = fields.Integer(metadata={"description": "free beds left after placing"})
    bed_ids = fields.List(fields.Integer(), metadata={"description": "free beds to move into"})
    distance_km = fields.Float(allow_none=True, metadata={"description": "with near only"})


PlacementResultSchema = list_schema(PlacementSchema, "PlacementResultSchema")
