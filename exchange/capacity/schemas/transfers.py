"""Schemas of transfer requests between districts (exchange.capacity.api.transfers)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema


class TransferCreateArgs(Schema):
    listing_id = fields.Integer(required=True, validate=VALID_ID)
    beds = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    until = fields.Date(required=True)
    #: The day the persons are to arrive: today or later, not after ``until`` (default today).
    arrival_date = fields.Date(load_default=None, allow_none=True)
    message = fields.String(load_default="", validate=validate.Length(max=5000))
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)


class TransferDeclineArgs(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class TransferListArgs(ListArgs):
    direction = fields.String(
        load_default=None, validate=validate.OneOf(["incoming", "outgoing"])
    )


class TransferSchema(RecordSchema):
    listing_id = fields.Integer()
    requesting_organization_id = fields.Integer()
    providing_organization_id = fields.Integer()
    beds = fields.Integer()
    until = fields.Date()
    arrival_date = fields.Date(allow_none=True)
    message = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    requested_by_id = fields.Integer(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    room_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(default_timezone=UTC)
    decided_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    released_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    withdrawn_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)


TransferPageSchema = page_schema(TransferSchema, "TransferPageSchema")
