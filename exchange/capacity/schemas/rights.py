"""Schemas of the data-subject rights in the registry (exchange.capacity.api.rights):
the disclosure (Art. 15), and the reasons of restriction, erasure and restricted reads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .persons import ActivitySchema, RegistryPersonSchema

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
    from_ = fields.DateTime(data_key="from", attribute="from")
    until = fields.DateTime(allow_none=True)
    shelter = fields.String()
    room = fields.String()
    bed = fields.String()


class DisclosedActivitySchema(ActivitySchema):
    class Meta:
        exclude = ("id", "person_id", "updated_at")


class DisclosedPersonSchema(RegistryPersonSchema):
    """The person's record as disclosed: the registry's own fields, the organisation by name
    and the restriction's reason; religion and health notes always (only caseworkers of
    the district produce a disclosure)."""

    organization = fields.String()
    restriction_reason = fields.String(allow_none=True)

    def shows_special_categories(self, person) -> bool:
        return True


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
