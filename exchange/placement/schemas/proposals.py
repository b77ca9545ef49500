"""Schemas of proposals and consent records (exchange.placement.api.proposals)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema

from ..models import CONSENT_SHARES, ProposalState

STATES = [s.value for s in ProposalState]


class ProposalCreateArgs(Schema):
    household_id = fields.Integer(required=True, validate=VALID_ID)
    listing_id = fields.Integer(required=True, validate=VALID_ID)
    message = fields.String(load_default="", validate=validate.Length(max=5000))


class ViewingArgs(Schema):
    #: When the viewing takes place, if agreed.
    viewing_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)


class AcceptArgs(Schema):
    #: The planned day of moving in (today or later); default: the flat's available_from.
    move_in_date = fields.Date(load_default=None, allow_none=True)


class DeclineArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class WithdrawArgs(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class ProposalListArgs(ListArgs):
    direction = fields.String(load_default=None,
                              validate=validate.OneOf(["incoming", "outgoing"]))
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    household_id = fields.Integer(load_default=None, validate=VALID_ID)


class ConsentArgs(Schema):
    household_id = fields.Integer(required=True, validate=VALID_ID)
    #: What the household agreed to share beyond its size; without "names" no one is named.
    shares = fields.List(fields.String(validate=validate.OneOf(CONSENT_SHARES)), required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ConsentListArgs(Schema):
    household_id = fields.Integer(required=True, validate=VALID_ID)


class ConsentSchema(RecordSchema):
    household_id = fields.Integer()
    shares = fields.List(fields.String())
    note = fields.String()
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime(default_timezone=UTC)


class CompositionSchema(Schema):
    age_band = fields.String(metadata={"description": "0-5, 6-17, 18-64, 65+ or unknown"})
    gender = fields.String(metadata={"description": "f, m or x"})
    count = fields.Integer()


class HouseholdProfileSchema(Schema):
    """What the owner side sees of the household: null where not shared."""

    size = fields.Integer()
    shares = fields.List(fields.String())
    composition = fields.List(fields.Nested(CompositionSchema), allow_none=True)
    languages = fields.List(fields.String(), allow_none=True)
    arrival_date = fields.Date(allow_none=True)
    names = fields.List(fields.String(), allow_none=True)


class ProposalListingSchema(RecordSchema):
    title = fields.String()
    city = fields.String()
    status = fields.String()


class PersonRefSchema(RecordSchema):
    name = fields.String()


class ProposalStepSchema(Schema):
    at = fields.AwareDateTime(default_timezone=UTC)
    action = fields.String()
    state = fields.String()
    user_id = fields.Integer(allow_none=True)


class ProposalSchema(RecordSchema):
    state = fields.String(metadata={"enum": STATES})
    listing_id = fields.Integer()
    listing = fields.Nested(ProposalListingSchema, allow_none=True)
    #: The household's id: for the caseworker side only (null for the owner side).
    household_id = fields.Integer(allow_none=True)
    household = fields.Nested(HouseholdProfileSchema)
    organization_id = fields.Integer()
    organization_name = fields.String()
    proposed_by = fields.Nested(PersonRefSchema, allow_none=True)
    message = fields.String()
    reason = fields.String(allow_none=True)
    viewing_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    move_in_date = fields.Date(allow_none=True)
    room_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(default_timezone=UTC)
    updated_at = fields.AwareDateTime(default_timezone=UTC)
    decided_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    moved_in_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    #: The steps the reader may take now: viewing, accept, decline, withdraw, moved_in.
    actions = fields.List(fields.String())
    #: Every step so far (the detail only).
    steps = fields.List(fields.Nested(ProposalStepSchema))


ProposalPageSchema = page_schema(ProposalSchema, "ProposalPageSchema")


class ConsentListSchema(Schema):
    items = fields.List(fields.Nested(ConsentSchema))
