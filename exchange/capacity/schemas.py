"""Marshmallow schemas of the capacity domain: *Schema dumps, *Args loads.

A person is written by `person_json(person, current_bed_id, special=...)`, which leaves
out religion and health notes for those who may not see them (RegistryPersonSchema documents
the shape).
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from exchange.capacity.models import (
    ActivityKind,
    ActivityStatus,
    BedStatus,
    Gender,
    Person,
    RoomPolicy,
    Shelter,
    ShelterKind,
)
from exchange.capacity.services import MAX_BEDS_PER_ROOM, Capacity
from exchange.geo import point_to_dict
from exchange.listings.schemas import (
    AddressArgs,
    AddressChangeArgs,
    AddressSchema,
    LocationSchema,
)
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID, LocationField


def _one_of(values) -> validate.OneOf:
    return validate.OneOf([v.value for v in values])


LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639 code (two or three letters).")
NATIONALITY = validate.Regexp(
    r"^[A-Z]{2,3}$", error="Use an ISO 3166 country code (two or three capital letters)."
)


def _plausible_date(value: date) -> None:
    if value > date.today() or value.year < 1900:
        raise ValidationError("Not a plausible date (from 1900 until today).")


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
        metadata={"description": "on the map: max(free - reserve_beds, 0) where published"}
    )


class OrganizationCapacitySchema(CapacitySchema):
    organization_id = fields.Integer()
    shelters = fields.Integer()


class TrendPointSchema(Schema):
    day = fields.Date()
    total = fields.Integer()
    occupied = fields.Integer()
    free = fields.Integer()


class TrendArgs(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(1, 3660))


# --- shelters, rooms, beds -----------------------------------------------------------------


class ShelterSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    address = fields.Nested(AddressSchema)
    location = fields.Nested(LocationSchema)
    publish_capacity = fields.Boolean()
    reserve_beds = fields.Integer()
    listing_id = fields.Integer(allow_none=True)
    capacity = fields.Nested(CapacitySchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


ShelterPageSchema = page_schema(ShelterSchema, "ShelterPageSchema")


def capacity_json(capacity: Capacity) -> dict:
    return {
        "total": capacity.total,
        "occupied": capacity.occupied,
        "blocked": capacity.blocked,
        "free": capacity.free,
        "by_policy": dict(capacity.by_policy),
        "accessible_free": capacity.accessible_free,
        "free_published": capacity.free_published,
    }


def shelter_json(shelter: Shelter, capacity: Capacity | None) -> dict:
    """A shelter as JSON (the shape of ShelterSchema), with its capacity when given."""
    data = {
        name: getattr(shelter, name)
        for name in (
            "id",
            "organization_id",
            "name",
            "kind",
            "publish_capacity",
            "reserve_beds",
            "listing_id",
        )
    }
    data["address"] = {
        "street": shelter.street,
        "postal_code": shelter.postal_code,
        "city": shelter.city,
    }
    data["location"] = point_to_dict(shelter.location)
    data["created_at"] = shelter.created_at.isoformat()
    data["updated_at"] = shelter.updated_at.isoformat()
    if capacity is not None:
        data["capacity"] = capacity_json(capacity)
    return data


class ShelterUpdateArgs(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=_one_of(ShelterKind))
    address = fields.Nested(AddressChangeArgs)
    location = fields.Nested(LocationField)
    publish_capacity = fields.Boolean()
    reserve_beds = fields.Integer(validate=validate.Range(0, 100_000))


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
    id = fields.Integer()
    label = fields.String()
    status = fields.String()
    block_reason = fields.String(allow_none=True)
    occupied = fields.Boolean()
    occupancy_id = fields.Integer(
        allow_none=True, metadata={"description": "caseworkers and admins only"}
    )
    person_id = fields.Integer(
        allow_none=True, metadata={"description": "caseworkers and admins only"}
    )


class ShelterRoomSchema(Schema):
    id = fields.Integer()
    shelter_id = fields.Integer()
    name = fields.String()
    policy = fields.String()
    accessible = fields.Boolean()
    free_beds = fields.Integer()
    beds = fields.List(fields.Nested(ShelterBedSchema))


def bed_json(view, with_persons: bool) -> dict:
    data = {
        "id": view.bed.id,
        "label": view.bed.label,
        "status": view.bed.status,
        "block_reason": view.bed.block_reason,
        "occupied": view.occupied,
    }
    if with_persons:
        data["occupancy_id"] = view.occupancy_id
        data["person_id"] = view.person_id
    return data


def room_json(view, with_persons: bool) -> dict:
    room = view.room
    return {
        "id": room.id,
        "shelter_id": room.shelter_id,
        "name": room.name,
        "policy": room.policy,
        "accessible": room.accessible,
        "free_beds": view.free_beds,
        "beds": [bed_json(bed, with_persons) for bed in view.beds],
    }


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


class BedStateSchema(Schema):
    id = fields.Integer()
    room_id = fields.Integer()
    label = fields.String()
    status = fields.String()
    block_reason = fields.String(allow_none=True)


# --- persons -------------------------------------------------------------------------------


class RegistryPersonSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    external_id = fields.String(allow_none=True)
    family_name = fields.String()
    given_names = fields.String()
    birth_date = fields.Date(allow_none=True)
    gender = fields.String()
    nationality = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    religion = fields.String(allow_none=True, metadata={"description": "caseworkers only"})
    health_notes = fields.String(allow_none=True, metadata={"description": "caseworkers only"})
    profession = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    arrival_date = fields.Date(allow_none=True)
    current_bed_id = fields.Integer(allow_none=True)
    anonymised_at = fields.DateTime(allow_none=True)
    merged_into_id = fields.Integer(
        allow_none=True, metadata={"description": "set when merged into that person"}
    )
    restricted_at = fields.DateTime(
        allow_none=True, metadata={"description": "restriction of processing (GDPR Art. 18)"}
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DuplicateSchema(Schema):
    id = fields.Integer()
    score = fields.Float()


class ChangedPersonSchema(RegistryPersonSchema):
    household_ref = fields.String(allow_none=True, metadata={"description": "as imported"})
    changed_at = fields.DateTime()


class RegistryChangesSchema(Schema):
    items = fields.List(fields.Nested(ChangedPersonSchema))


class ImportErrorSchema(Schema):
    row = fields.Integer(allow_none=True)
    field = fields.String(allow_none=True)
    message = fields.String()


class ImportReportSchema(Schema):
    """What `POST /registry/imports` answers (200, or 422 with the rows in `errors`)."""

    import_id = fields.Integer(allow_none=True)
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    more_errors = fields.Integer()
    duplicates = fields.List(fields.Dict())
    sha256 = fields.String(allow_none=True)


class NewRegistryPersonSchema(RegistryPersonSchema):
    possible_duplicates = fields.List(fields.Nested(DuplicateSchema))


RegistryPersonPageSchema = page_schema(RegistryPersonSchema, "RegistryPersonPageSchema")

_PERSON_PLAIN = (
    "id",
    "organization_id",
    "external_id",
    "family_name",
    "given_names",
    "gender",
    "nationality",
    "profession",
    "household_id",
    "merged_into_id",
)


def person_json(person: Person, current_bed_id: int | None, special: bool) -> dict[str, Any]:
    """A person as JSON; religion and health notes only with ``special``."""
    data: dict[str, Any] = {name: getattr(person, name) for name in _PERSON_PLAIN}
    data["languages"] = list(person.languages or [])
    for name in ("birth_date", "arrival_date", "anonymised_at", "restricted_at", "created_at",
                 "updated_at"):
        value = getattr(person, name)
        data[name] = value.isoformat() if value is not None else None
    if special:
        data["religion"] = person.religion
        data["health_notes"] = person.health_notes
    data["current_bed_id"] = current_bed_id
    return data


class PersonUpdateArgs(Schema):
    external_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    family_name = fields.String(validate=validate.Length(min=1, max=200))
    given_names = fields.String(validate=validate.Length(max=200))
    birth_date = fields.Date(allow_none=True, validate=_plausible_date)
    gender = fields.String(validate=_one_of(Gender))
    nationality = fields.String(allow_none=True, validate=NATIONALITY)
    languages = fields.List(fields.String(validate=LANGUAGE), validate=validate.Length(max=20))
    religion = fields.String(allow_none=True, validate=validate.Length(max=100))
    health_notes = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    profession = fields.String(allow_none=True, validate=validate.Length(max=200))
    household_id = fields.Integer(allow_none=True, validate=VALID_ID)
    arrival_date = fields.Date(allow_none=True, validate=_plausible_date)

    @validates_schema
    def _arrival_after_birth(self, data: dict, **_: Any) -> None:
        birth, arrival = data.get("birth_date"), data.get("arrival_date")
        if birth and arrival and arrival < birth:
            raise ValidationError("Not before birth_date.", "arrival_date")


class PersonCreateArgs(PersonUpdateArgs):
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)
    family_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    gender = fields.String(required=True, validate=_one_of(Gender))


class PersonListArgs(ListArgs):
    q = fields.String(validate=validate.Length(min=1, max=200))
    organization_id = fields.Integer(validate=VALID_ID)
    household_id = fields.Integer(validate=VALID_ID)


class MergeArgs(Schema):
    other_id = fields.Integer(required=True, validate=VALID_ID)


class RegistryChangesArgs(Schema):
    organization_id = fields.Integer(required=True, validate=VALID_ID)
    since = fields.AwareDateTime(
        required=True,
        default_timezone=UTC,
        metadata={"description": "ISO 8601 date or time (UTC when no offset is given)"},
    )
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]))

    @pre_load
    def _date_as_midnight(self, data, **_: Any):
        since = data.get("since") if hasattr(data, "get") else None
        if isinstance(since, str) and len(since) == 10:
            data = {**data, "since": f"{since}T00:00:00"}
        return data


# --- households ----------------------------------------------------------------------------


class HouseholdArgs(Schema):
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)
    member_ids = fields.List(
        fields.Integer(validate=VALID_ID), load_default=list, validate=validate.Length(max=50)
    )
    ref = fields.String(load_default=None, validate=validate.Length(max=64))


class HouseholdSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    ref = fields.String(allow_none=True)
    member_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()


# --- occupancy -----------------------------------------------------------------------------


class OccupancyArgs(Schema):
    person_id = fields.Integer(required=True, validate=VALID_ID)
    bed_id = fields.Integer(required=True, validate=VALID_ID)


class OccupancySchema(Schema):
    id = fields.Integer()
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
    shelter_id = fields.Integer()
    shelter_name = fields.String()
    organization_id = fields.Integer()
    room_id = fields.Integer()
    room_name = fields.String()
    policy = fields.String()
    accessible = fields.Boolean()
    free_beds = fields.Integer()
    leftover = fields.Integer(metadata={"description": "free beds left after placing"})
    bed_ids = fields.List(fields.Integer(), metadata={"description": "free beds to move into"})
    distance_km = fields.Float(allow_none=True, metadata={"description": "with near only"})


class PlacementResultSchema(Schema):
    items = fields.List(fields.Nested(PlacementSchema))


def placement_json(placement) -> dict:
    return {
        "shelter_id": placement.shelter.id,
        "shelter_name": placement.shelter.name,
        "organization_id": placement.shelter.organization_id,
        "room_id": placement.room.id,
        "room_name": placement.room.name,
        "policy": placement.room.policy,
        "accessible": placement.room.accessible,
        "free_beds": placement.free_beds,
        "leftover": placement.leftover,
        "bed_ids": placement.bed_ids,
        "distance_km": (
            round(placement.distance_m / 1000, 3) if placement.distance_m is not None else None
        ),
    }


# --- activities ----------------------------------------------------------------------------


class ActivityUpdateArgs(Schema):
    kind = fields.String(validate=_one_of(ActivityKind))
    title = fields.String(validate=validate.Length(max=200))
    due_date = fields.Date(allow_none=True)
    status = fields.String(validate=_one_of(ActivityStatus))


class ActivityCreateArgs(ActivityUpdateArgs):
    kind = fields.String(required=True, validate=_one_of(ActivityKind))

    @validates_schema
    def _custom_needs_title(self, data: dict, **_: Any) -> None:
        if data.get("kind") == ActivityKind.CUSTOM and not (data.get("title") or "").strip():
            raise ValidationError("A custom activity needs a title.", "title")


class ActivitySchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# --- audit ---------------------------------------------------------------------------------


class AuditArgs(ListArgs):
    person_id = fields.Integer(validate=VALID_ID)


class AuditSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer()
    person_id = fields.Integer()
    action = fields.String()


AuditPageSchema = page_schema(AuditSchema, "AuditPageSchema")


# --- transfer requests -----------------------------------------------------------------------


class TransferCreateArgs(Schema):
    listing_id = fields.Integer(required=True, validate=VALID_ID)
    beds = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    until = fields.Date(required=True)
    message = fields.String(load_default="", validate=validate.Length(max=5000))
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)


class TransferDeclineArgs(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class TransferListArgs(ListArgs):
    direction = fields.String(
        load_default=None, validate=validate.OneOf(["incoming", "outgoing"])
    )


class TransferSchema(Schema):
    id = fields.Integer()
    listing_id = fields.Integer()
    requesting_organization_id = fields.Integer()
    providing_organization_id = fields.Integer()
    beds = fields.Integer()
    until = fields.Date()
    message = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    requested_by_id = fields.Integer(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    room_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(default_timezone=UTC)
    decided_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    released_at = fields.AwareDateTime(allow_none=True, default_timezone=UTC)


TransferPageSchema = page_schema(TransferSchema, "TransferPageSchema")
