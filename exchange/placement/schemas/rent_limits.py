"""Schemas of rent and size limits (exchange.placement.api.rent_limits)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.capacity.schemas.registry import LocalisedString
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema

from ..models.rent_limits import MAX_HOUSEHOLD_SIZE

MONEY = validate.Range(min=0, max=100_000, min_inclusive=False)
AREA = validate.Range(min=0, max=10_000, min_inclusive=False)


class RentLimitSchema(RecordSchema):
    """One limit: the highest appropriate gross cold rent and floor area for a household
    of a size in a municipality, from a day on."""

    district_id = fields.Integer()
    municipality_id = fields.Integer()
    household_size = fields.Integer()
    valid_from = fields.Date()
    max_gross_rent = fields.Decimal(as_string=True, metadata={
        "description": "EUR per month, rent + utilities (Bruttokaltmiete)"})
    max_area_m2 = fields.Decimal(as_string=True, metadata={"description": "m²"})
    further_person_rent = fields.Decimal(as_string=True, allow_none=True, metadata={
        "description": "EUR added for each person above the largest size of its table"})
    further_person_area_m2 = fields.Decimal(as_string=True, allow_none=True, metadata={
        "description": "m² added for each person above the largest size of its table"})
    updated_at = fields.DateTime()


class RentLimitListSchema(Schema):
    items = fields.List(fields.Nested(RentLimitSchema))


class RentLimitListArgs(Schema):
    district_id = fields.Integer(required=True, validate=VALID_ID)
    municipality_id = fields.Integer(validate=VALID_ID)
    in_force_on = fields.Date(metadata={
        "description": "only the tables in force on this day (the latest valid_from on or "
                       "before it, per municipality)"})


class RentLimitUpdateArgs(Schema):
    municipality_id = fields.Integer(validate=VALID_ID)
    household_size = fields.Integer(validate=validate.Range(min=1, max=MAX_HOUSEHOLD_SIZE))
    valid_from = fields.Date()
    max_gross_rent = fields.Decimal(places=2, validate=MONEY)
    max_area_m2 = fields.Decimal(places=2, validate=AREA)
    further_person_rent = fields.Decimal(places=2, allow_none=True, validate=MONEY)
    further_person_area_m2 = fields.Decimal(places=2, allow_none=True, validate=AREA)


class RentLimitCreateArgs(RentLimitUpdateArgs):
    district_id = fields.Integer(required=True, validate=VALID_ID)
    municipality_id = fields.Integer(required=True, validate=VALID_ID)
    household_size = fields.Integer(required=True,
                                    validate=validate.Range(min=1, max=MAX_HOUSEHOLD_SIZE))
    valid_from = fields.Date(required=True)
    max_gross_rent = fields.Decimal(places=2, required=True, validate=MONEY)
    max_area_m2 = fields.Decimal(places=2, required=True, validate=AREA)


class LimitImportErrorSchema(Schema):
    row = fields.Integer(metadata={"description": "the file's line (the header is line 1)"})
    field = fields.String(metadata={
        "description": "municipality, household_size, valid_from, max_gross_rent, "
                       "max_area_m2, or file, header"})
    column = fields.String(allow_none=True, metadata={
        "description": "the column's header as the file writes it"})
    message = LocalisedString()


class LimitImportReportSchema(Schema):
    """What `POST /rent-limits/imports` answers (200, or 422 naming the bad rows)."""

    rows = fields.Integer()
    written = fields.Integer()
    errors = fields.List(fields.Nested(LimitImportErrorSchema))
    encoding = fields.String()
    delimiter = fields.String()
