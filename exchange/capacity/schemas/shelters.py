"""Schemas of shelters, rooms, beds and capacity figures (exchange.capacity.api.shelters)."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate

from exchange.capacity.models import BedStatus, RoomPolicy, ShelterKind
from exchange.capacity.shelters import MAX_BEDS_PER_ROOM
from exchange.geo import point_to_dict
from exchange.listings.schemas import (
    AddressArgs,
    AddressChangeArgs,
    AddressSchema,
    LocationSchema,
)
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID, LocationField
from exchange.schemas import RecordSchema

from . import one_of as _one_of


class PointField(fields.Nested):
    """A stored PostGIS point, dumped as LocationSchema ({lat, lon})."""

    def __init__(self, **kwargs) -> None:
        super().__init__(LocationSchema, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(point_to_dict(value), attr, obj, **kwargs)


# --- capacity ------------------------------------------------------------------------------


class ByPolicySchema(Schema):
    male = fields.Integer()
    female = fields.Integer()
    family = fields.Integer()
    mixed = fields.Integer()


class CapacitySchema(Schema):
    total = fields.Integer()
    occupied = fields.Integer()
    blocked = fields.Integer(metadata={"description": "blocked or out of service"})
    free = fields.Integer(metadata={"description": "total - blocked - occupied"})
    by_policy = fields.Nested(ByPolicySchema, metadata={"description": "free beds by room policy"})
    accessible_free = fields.Integer()
    free_published = fields.Integer(
        metadata={"description": "on the map: max(free - reserve_beds - held, 0) where published"}
    )
    held = fields.Integer(metadata={"description": "free beds held for accepted bed requests"})


class OrganizationCapacitySchema(CapacitySchema):
    organization_id = fields.Integer()
    shelters = fields.Integer()
    listed_free = fields.Integer(
        metadata={"description": "free beds of published manual bed listings"})
    free_places = fields.Integer(
        metadata={"description": "free + listed_free: the region's free places (start page "
                                 "and dashboard)"})


class TrendPointSchema(Schema):
    day = fields.Date()
    total = fields.Integer()
    occupied = fields.Integer()
    free = fields.Integer()


class TrendArgs(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(1, 3660))


# --- shelters, rooms, beds -----------------------------------------------------------------


class ShelterSchema(Schema):
    """A shelter with its capacity (dumps shelters.ShelterView)."""

    id = fields.Integer(attribute="shelter.id")
    organization_id = fields.Integer(attribute="shelter.organization_id")
    name = fields.String(attribute="shelter.name")
    kind = fields.String(attribute="shelter.kind")
    address = fields.Nested(AddressSchema, attribute="shelter")
    location = PointField(attribute="shelter.location")
    publish_capacity = fields.Boolean(attribute="shelter.publish_capacity")
    reserve_beds = fields.Integer(attribute="shelter.reserve_beds")
    opens_on = fields.Date(allow_none=True, attribute="shelter.opens_on", metadata={
        "description": "an announced shelter's opening day (its beds join the forecast then)"})
    listing_id = fields.Integer(allow_none=True, attribute="shelter.listing_id")
    capacity = fields.Nested(CapacitySchema)
    created_at = fields.DateTime(attribute="shelter.created_at")
    updated_at = fields.DateTime(attribute="shelter.updated_at")


ShelterPageSchema = page_schema(ShelterSchema, "ShelterPageSchema")


class ShelterUpdateArgs(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=_one_of(ShelterKind))
    address = fields.Nested(AddressChangeArgs)
    location = fields.Nested(LocationField)
    publish_capacity = fields.Boolean()
    reserve_beds = fields.Integer(validate=validate.Range(0, 100_000))
    opens_on = fields.Date(allow_none=True)


class ShelterCreateArgs(ShelterUpdateArgs):
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=_one_of(ShelterKind))
    address = fields.Nested(AddressArgs, required=True)
    location = fields.Nested(LocationField, required=True)
    publish_capacity = fields.Boolean(load_default=False)
    reserve_beds = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))


class ShelterListArgs(ListArgs):
    organization_id = fields.Integer(validate=VALID_ID)


class ShelterBedSchema(Schema):
    """A bed of the room plan (dumps shelters.BedView): the occupant's ids only for those
    who may see persons."""

    id = fields.Integer(attribute="bed.id")
    label = fields.String(attribute="bed.label")
    status = fields.String(attribute="bed.status")
    block_reason = fields.String(allow_none=True, attribute="bed.block_reason")
    occupied = fields.Boolean()
    occupancy_id = fields.Integer(
        allow_none=True, metadata={"description": "caseworkers and admins only"}
    )
    person_id = fields.Integer(
        allow_none=True, metadata={"description": "caseworkers and admins only"}
    )

    @post_dump(pass_original=True)
    def _persons_only_for_those_who_see_them(self, data: dict, view, **_) -> dict:
        if not view.with_persons:
            data.pop("occupancy_id", None)
            data.pop("person_id", None)
        return data


class ShelterRoomSchema(Schema):
    """A room of the plan with its beds (dumps shelters.RoomView)."""

    id = fields.Integer(attribute="room.id")
    shelter_id = fields.Integer(attribute="room.shelter_id")
    name = fields.String(attribute="room.name")
    policy = fields.String(attribute="room.policy")
    accessible = fields.Boolean(attribute="room.accessible")
    free_beds = fields.Integer()
    beds = fields.List(fields.Nested(ShelterBedSchema))


class ShelterRoomUpdateArgs(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    policy = fields.String(validate=_one_of(RoomPolicy))
    accessible = fields.Boolean()


class ShelterRoomCreateArgs(ShelterRoomUpdateArgs):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    policy = fields.String(required=True, validate=_one_of(RoomPolicy))
    accessible = fields.Boolean(load_default=False)
    beds = fields.Integer(load_default=0, validate=validate.Range(0, MAX_BEDS_PER_ROOM))


class BlockArgs(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))
    status = fields.String(
        load_default=BedStatus.BLOCKED.value,
        validate=validate.OneOf([BedStatus.BLOCKED.value, BedStatus.OUT_OF_SERVICE.value]),
    )


class BedStateSchema(RecordSchema):
    room_id = fields.Integer()
    label = fields.String()
    status = fields.String()
    block_reason = fields.String(allow_none=True)
