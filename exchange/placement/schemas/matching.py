"""Schemas of matching (exchange.placement.api.matching)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema

from ..matching import MAX_RADIUS_KM


class HouseholdNeedsSchema(Schema):
    """What matching knows of a household beyond the registry (its caseworkers only)."""

    household_id = fields.Integer()
    assigned_municipality_id = fields.Integer(allow_none=True, metadata={
        "description": "the centre of its search; none: its organisation's seat"})
    needs_step_free = fields.Boolean(metadata={
        "description": "a member needs step-free access (health data, GDPR Art. 9)"})
    radius_km = fields.Integer()


class HouseholdNeedsArgs(Schema):
    assigned_municipality_id = fields.Integer(allow_none=True, validate=VALID_ID)
    needs_step_free = fields.Boolean()
    radius_km = fields.Integer(validate=validate.Range(min=1, max=MAX_RADIUS_KM))


class FittingFlatsArgs(Schema):
    available_by = fields.Date(metadata={"description": "default: today"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FittingFlatSchema(RecordSchema):
    """A flat that fits the household, with the score it is ranked by."""

    title = fields.String()
    postal_code = fields.String()
    city = fields.String()
    rooms = fields.Float(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    max_occupants = fields.Integer()
    gross_rent = fields.Decimal(as_string=True, metadata={"description": "rent + utilities, EUR"})
    max_gross_rent = fields.Decimal(as_string=True, metadata={
        "description": "the rent limit for the household's size there, EUR"})
    max_area_m2 = fields.Decimal(as_string=True)
    accessible = fields.Boolean(allow_none=True)
    available_from = fields.Date(allow_none=True)
    organization_id = fields.Integer()
    distance_km = fields.Float(metadata={"description": "from the household's centre"})
    days_listed = fields.Integer(metadata={"description": "how long the flat has been offered"})
    score = fields.Decimal(as_string=True, metadata={
        "description": "0–100: 50 × (1 − distance/radius) + 30 × rent headroom + "
                       "20 × min(days listed / 60, 1)"})


class FittingFlatListSchema(Schema):
    household_size = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(FittingFlatSchema))


class HouseholdGroupSchema(Schema):
    household_size = fields.Integer()
    households = fields.Integer()
    needs_step_free = fields.Integer(metadata={"description": "of them, needing step-free access"})
    longest_waiting_days = fields.Integer(allow_none=True)


class FittingHouseholdsSchema(Schema):
    """The waiting households that fit a flat, by size: counts only, never who."""

    groups = fields.List(fields.Nested(HouseholdGroupSchema))
    more = fields.Boolean(metadata={
        "description": "more households fit than were counted (100): the counts are a floor"})
