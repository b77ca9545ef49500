"""Schemas of the forecast, allocations and planned move-outs
(exchange.capacity.api.forecast)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from exchange.capacity.models import ShelterKind
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema

from . import one_of as _one_of

MAX_PERSONS = 10_000


class AllocationUpdateArgs(Schema):
    arrives_on = fields.Date()
    persons = fields.Integer(validate=validate.Range(1, MAX_PERSONS))
    households = fields.List(
        fields.Integer(validate=validate.Range(1, 50)), validate=validate.Length(max=MAX_PERSONS),
        metadata={"description": "household sizes if known; they add up to `persons`"})
    shelter_kind = fields.String(allow_none=True, validate=_one_of(ShelterKind),
                                 metadata={"description": "the kind of shelter meant for "
                                                          "them, if decided"})
    note = fields.String(validate=validate.Length(max=2000))


class AllocationCreateArgs(AllocationUpdateArgs):
    arrives_on = fields.Date(required=True)
    persons = fields.Integer(required=True, validate=validate.Range(1, MAX_PERSONS))
    households = fields.List(fields.Integer(validate=validate.Range(1, 50)),
                             load_default=list, validate=validate.Length(max=MAX_PERSONS))
    shelter_kind = fields.String(load_default=None, allow_none=True,
                                 validate=_one_of(ShelterKind))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class AllocationListArgs(ListArgs):
    upcoming = fields.Boolean(load_default=True,
                              metadata={"description": "only those from today on"})


class MoveOutListArgs(ListArgs):
    pass


class AllocationSchema(RecordSchema):
    organization_id = fields.Integer()
    arrives_on = fields.Date()
    persons = fields.Integer()
    households = fields.List(fields.Integer())
    shelter_kind = fields.String(allow_none=True)
    note = fields.String()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(default_timezone=UTC)


AllocationPageSchema = page_schema(AllocationSchema, "AllocationPageSchema")


class MoveOutCreateArgs(Schema):
    shelter_id = fields.Integer(required=True, validate=VALID_ID)
    moves_on = fields.Date(required=True)
    persons = fields.Integer(required=True, validate=validate.Range(1, MAX_PERSONS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class MoveOutSchema(RecordSchema):
    organization_id = fields.Integer()
    shelter_id = fields.Integer()
    moves_on = fields.Date()
    persons = fields.Integer()
    note = fields.String()
    source = fields.String(allow_none=True,
                           metadata={"description": "what planned it (\"proposal:17\"); "
                                                    "none when entered by hand"})
    created_at = fields.AwareDateTime(default_timezone=UTC)


MoveOutPageSchema = page_schema(MoveOutSchema, "MoveOutPageSchema")


class ThresholdArgs(Schema):
    threshold = fields.Integer(required=True, allow_none=True,
                               validate=validate.Range(0, 1_000_000),
                               metadata={"description": "warn the admins below this many "
                                                        "free beds; null: no warning"})


class ForecastWeekSchema(Schema):
    starts_on = fields.Date(metadata={"description": "Monday, or today in the first week"})
    ends_on = fields.Date()
    week = fields.Integer(metadata={"description": "ISO week number"})
    arrivals = fields.Integer()
    move_outs = fields.Integer()
    new_beds = fields.Integer(metadata={"description": "free beds of shelters opening"})
    free = fields.Integer(metadata={"description": "free beds at the end of the week"})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


class ForecastSchema(Schema):
    organization_id = fields.Integer()
    today = fields.Date()
    free_today = fields.Integer()
    by_kind_today = fields.Dict(keys=fields.String(), values=fields.Integer())
    weeks = fields.List(fields.Nested(ForecastWeekSchema))
    runs_out_on = fields.Date(allow_none=True, metadata={
        "description": "first day of the week the free beds reach 0; null: not in 12 weeks"})
    runs_out_by_kind = fields.Dict(keys=fields.String(), values=fields.Date(allow_none=True))
    threshold = fields.Integer(allow_none=True)
    lowest = fields.Integer()
    below_threshold = fields.Boolean()
