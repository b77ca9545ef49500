"""Schemas of the person registry: persons, households, activities and the audit log
(exchange.capacity.api.persons)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from exchange.capacity.models import SPECIAL_FIELDS, ActivityKind, ActivityStatus, Gender
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema

from . import one_of as _one_of

LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639 code (two or three letters).")
NATIONALITY = validate.Regexp(
    r"^[A-Z]{2,3}$", error="Use an ISO 3166 country code (two or three capital letters)."
)


def _plausible_date(value: date) -> None:
    if value > date.today() or value.year < 1900:
        raise ValidationError("Not a plausible date (from 1900 until today).")


# --- persons -------------------------------------------------------------------------------


class RegistryPersonSchema(RecordSchema):
    """A person (dumps persons.PersonView): religion and health notes only for those who
    may see them (the view's ``special``)."""

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

    @post_dump(pass_original=True)
    def _special_categories(self, data: dict, person, **_: Any) -> dict:
        if not self.shows_special_categories(person):
            for name in SPECIAL_FIELDS:
                data.pop(name, None)
        return data

    def shows_special_categories(self, person) -> bool:
        """Whether religion and health notes are part of the answer."""
        return bool(getattr(person, "special", False))


class DuplicateSchema(RecordSchema):
    score = fields.Float()


class NewRegistryPersonSchema(RegistryPersonSchema):
    possible_duplicates = fields.List(fields.Nested(DuplicateSchema))


RegistryPersonPageSchema = page_schema(RegistryPersonSchema, "RegistryPersonPageSchema")


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


# --- households ----------------------------------------------------------------------------


class HouseholdArgs(Schema):
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)
    member_ids = fields.List(
        fields.Integer(validate=VALID_ID), load_default=list, validate=validate.Length(max=50)
    )
    ref = fields.String(load_default=None, validate=validate.Length(max=64))


class HouseholdSchema(RecordSchema):
    organization_id = fields.Integer()
    ref = fields.String(allow_none=True)
    member_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()


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


class ActivitySchema(RecordSchema):
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


class AuditSchema(RecordSchema):
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer()
    person_id = fields.Integer()
    action = fields.String()


AuditPageSchema = page_schema(AuditSchema, "AuditPageSchema")
