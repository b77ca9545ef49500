"""REST API of the data-subject rights in the registry (exchange.capacity.rights): the
disclosure (Art. 15), restriction (Art. 18) and erasure (Art. 17) of a person. parse →
service → commit → dump, like exchange.capacity.api."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from exchange.capacity import rights, services
from exchange.capacity.schemas import RegistryPersonSchema, person_json

blp = Blueprint(
    "registry_rights",
    __name__,
    url_prefix="/api/v1",
    description="Data-subject rights in the person registry: disclosure, restriction, erasure",
)

REASON = validate.Length(min=1, max=2000)


class ReadReasonArgs(Schema):
    reason = fields.String(
        validate=REASON,
        metadata={"description": "why the record is opened; required for a restricted person"},
    )


class ReasonArgs(Schema):
    reason = fields.String(required=True, validate=REASON)


class WhoSchema(Schema):
    at = fields.DateTime()
    organization = fields.String()
    role = fields.String(metadata={"description": "the role, never the user's name"})


class AuditEntrySchema(WhoSchema):
    action = fields.String()
    reason = fields.String(allow_none=True)


class CorrectionSchema(WhoSchema):
    field = fields.String()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)


class NameSchema(Schema):
    family_name = fields.String()
    given_names = fields.String()


class DisclosedHouseholdSchema(Schema):
    ref = fields.String(allow_none=True)
    members = fields.List(fields.Nested(NameSchema), metadata={"description": "names only"})


class DisclosedOccupancySchema(Schema):
    from_ = fields.DateTime(data_key="from")
    until = fields.DateTime(allow_none=True)
    shelter = fields.String()
    room = fields.String()
    bed = fields.String()


class DisclosedActivitySchema(Schema):
    kind = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()


class DisclosedPersonSchema(RegistryPersonSchema):
    """The person's record as disclosed: the registry's own fields, the organisation by name
    and the restriction's reason."""

    organization = fields.String()
    restriction_reason = fields.String(allow_none=True)


class DisclosureSchema(Schema):
    generated_at = fields.DateTime()
    person = fields.Nested(DisclosedPersonSchema)
    household = fields.Nested(DisclosedHouseholdSchema, allow_none=True)
    occupancies = fields.List(fields.Nested(DisclosedOccupancySchema))
    activities = fields.List(fields.Nested(DisclosedActivitySchema))
    documents = fields.List(fields.Dict(), metadata={"description": "files linked to the person"})
    imports = fields.List(fields.Nested(AuditEntrySchema))
    corrections = fields.List(fields.Nested(CorrectionSchema))
    audit = fields.List(fields.Nested(AuditEntrySchema))


def disclosure_json(data: dict) -> dict:
    """The disclosure as JSON (DisclosureSchema: dates as ISO strings)."""
    for occupancy in data["occupancies"]:
        occupancy["from_"] = occupancy.pop("from")
    return DisclosureSchema().dump(data)


def _user():
    return current_user._get_current_object()


def _person_json(person) -> dict:
    user = _user()
    bed = services.current_beds([person.id]).get(person.id)
    return person_json(person, bed, services.sees_special_categories(user, person.organization_id))


@blp.get("/persons/<int:person_id>/disclosure")
@blp.arguments(ReadReasonArgs, location="query")
@blp.response(200, DisclosureSchema)
@login_required
def person_disclosure(args: dict, person_id: int):
    """Everything held about a person (GDPR Art. 15) for an access request: caseworkers
    of the person's district; audited (a restricted person needs `reason`)."""
    data = rights.disclosure(_user(), person_id, args.get("reason"))
    return jsonify(disclosure_json(data))


@blp.post("/persons/<int:person_id>/restriction")
@blp.arguments(ReasonArgs)
@blp.response(200, RegistryPersonSchema)
@login_required
def restrict_person(args: dict, person_id: int):
    """Restrict processing of a person (GDPR Art. 18; the district's admins): hidden
    from search, duplicates and placement for everyone else, reads need a reason."""
    person = rights.restrict(_user(), person_id, args["reason"])
    return jsonify(_person_json(person))


@blp.delete("/persons/<int:person_id>/restriction")
@blp.response(200, RegistryPersonSchema)
@login_required
def lift_restriction(person_id: int):
    """Lift the restriction of a person (the district's admins)."""
    person = rights.lift_restriction(_user(), person_id)
    return jsonify(_person_json(person))


@blp.post("/persons/<int:person_id>/erasure")
@blp.arguments(ReasonArgs)
@blp.response(200, RegistryPersonSchema)
@blp.alt_response(409, description="The person is housed, or erased already")
@login_required
def erase_person(args: dict, person_id: int):
    """Erase a person now (GDPR Art. 17; the district's admins, with the reason): the
    retention rule's anonymisation; published figures do not change."""
    person = rights.erase(_user(), person_id, args["reason"])
    return jsonify(_person_json(person))
