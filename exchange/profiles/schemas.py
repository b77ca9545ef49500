"""Marshmallow schemas of the profiles domain: *Schema dumps, *Args loads."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from exchange.db import MAX_ID
from exchange.geo import point_to_dict
from exchange.pagination import ListArgs, page_schema
from exchange.profiles import authz, organizations, people
from exchange.profiles.models import OrganizationKind, Role
from exchange.schemas import RecordSchema

ISO_639_1 = validate.Regexp(r"^[a-z]{2}$", error="Use a two-letter ISO 639-1 code.")
# Ids sent in a body or query: beyond PostgreSQL's integer they would fail in SQL (500).
VALID_ID = validate.Range(1, MAX_ID, error="Not a valid id.")


class UserRefSchema(RecordSchema):
    """A user by id and name: the author of a message or concept, a direct chat's peer."""

    name = fields.String()


class LocationField(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))


class MembershipSchema(Schema):
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    role = fields.String()
    status = fields.String()


class OwnMembershipSchema(MembershipSchema):
    function = fields.String(allow_none=True,
                             metadata={"description": "job title shown in the directory"})


class UserSchema(RecordSchema):
    email = fields.String()
    name = fields.String()
    is_platform_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipSchema))


class MeSchema(UserSchema):
    bio = fields.String()
    phone = fields.String()
    languages = fields.List(fields.String())
    topics = fields.List(fields.String())
    locale = fields.String()
    email_notifications = fields.Boolean()
    email_muted_kinds = fields.List(fields.String())
    show_email = fields.Boolean(metadata={"description": "the directory shows my e-mail"})


class PublicUserSchema(RecordSchema):
    name = fields.String()
    bio = fields.String()
    languages = fields.List(fields.String())
    topics = fields.List(fields.String())
    memberships = fields.Method("_active_memberships")

    def _active_memberships(self, user) -> list[dict]:
        return [
            {"organization_id": m.organization_id, "organization_name": m.organization.name,
             "role": m.role}
            for m in user.memberships
            if m.status == "active"
        ]


class LoginArgs(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=1000))


class LoginResultSchema(Schema):
    user = fields.Nested(UserSchema, metadata={"description": "once fully signed in"})
    csrf_token = fields.String()
    second_factor = fields.String(
        metadata={
            "description": "enroll | required: the session is not signed in yet; set up TOTP "
            "(POST /auth/2fa/setup, /auth/2fa/confirm) or send a code (POST /auth/2fa)"
        }
    )


class SecondFactorCodeArgs(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a 6-digit TOTP code, or a recovery code (POST /auth/2fa)"},
    )


class TotpSetupSchema(Schema):
    secret = fields.String(metadata={"description": "base32, for manual entry"})
    otpauth_uri = fields.String(metadata={"description": "otpauth://totp/… for a QR code"})


class RecoveryCodesSchema(Schema):
    recovery_codes = fields.List(
        fields.String(), metadata={"description": "each usable once instead of a code; shown once"}
    )
    user = fields.Nested(UserSchema)
    csrf_token = fields.String()


class RegisterArgs(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=10, max=1000))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organization_id = fields.Integer(load_default=None, validate=VALID_ID)


class RegisterResultSchema(Schema):
    message = fields.String(
        metadata={"description": "what happens next; the same for a new and a known e-mail"}
    )


class ProfileArgs(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    bio = fields.String(validate=validate.Length(max=5000))
    phone = fields.String(validate=validate.Length(max=50))
    languages = fields.List(fields.String(validate=ISO_639_1), validate=validate.Length(max=30))
    topics = fields.List(fields.String(validate=validate.Length(1, 60)),
                         validate=validate.Length(max=30))
    locale = fields.String(validate=validate.OneOf(["de", "en"]))
    email_notifications = fields.Boolean(
        metadata={"description": "notices also by e-mail (when the server sends e-mail)"}
    )
    email_muted_kinds = fields.List(
        fields.String(validate=validate.Length(1, 40)), validate=validate.Length(max=30),
        metadata={"description": "notification kinds not to send by e-mail"},
    )
    show_email = fields.Boolean(
        metadata={"description": "show my e-mail address in the directory (off by default)"}
    )


class OwnFunctionArgs(Schema):
    function = fields.String(
        required=True, validate=validate.Length(max=200),
        metadata={"description": "my job title in this organisation, e.g. Bürgermeister; "
                                 "empty to clear"},
    )


class TokenArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TokenSchema(RecordSchema):
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String()


class OrganizationArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(
        required=True, validate=validate.OneOf([k.value for k in OrganizationKind])
    )
    ags = fields.String(load_default=None, validate=validate.Regexp(
        r"^(\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$", error="An AGS has 2, 3, 5, 8 or 12 digits."))
    parent_id = fields.Integer(load_default=None, validate=VALID_ID)
    location = fields.Nested(LocationField, load_default=None)


class PersonSchema(Schema):
    """A person of the directory in one organisation, and how the viewer reaches them."""

    user_id = fields.Integer(attribute="membership.user_id")
    name = fields.String(attribute="membership.user.name")
    function = fields.String(attribute="membership.function", allow_none=True,
                             metadata={"description": "job title, e.g. Bürgermeister"})
    role = fields.String(attribute="membership.role")
    organization_id = fields.Integer(attribute="membership.organization_id")
    organization_name = fields.String(attribute="membership.organization.name")
    organization_kind = fields.String(attribute="membership.organization.kind")
    is_contact = fields.Boolean(
        metadata={"description": "the organisation's named contact person"})
    email = fields.String(allow_none=True, metadata={
        "description": "only when the person shows it in the directory (their profile)"})
    phone = fields.String(allow_none=True, metadata={"description": "when given"})
    can_message = fields.Boolean(metadata={
        "description": "you may open a direct room with them: POST /rooms "
                       "{kind: direct, member_ids: [user_id]}"})


class OrganizationSchema(RecordSchema):
    name = fields.String()
    kind = fields.String()
    ags = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    verified = fields.Boolean()
    verification = fields.Method(
        "_verification",
        metadata={
            "description": "landlords: the last decision {decision: verify|reject, reason, "
            "decided_at}, or null while undecided; the reason only for the organisation's "
            "own members and staff"
        },
    )
    location = fields.Method("_location")
    contact = fields.Method(
        "_contact",
        metadata={"description": "the named contact person, a Person of the directory "
                                 "(with how to reach them), or null"},
    )

    def _contact(self, organization) -> dict | None:
        membership = organizations.contact_of(organization)
        viewer = current_user
        if membership is None or not (viewer and viewer.is_authenticated):
            return None
        return PersonSchema().dump(people.reach(viewer, membership))

    def _verification(self, organization) -> dict | None:
        if organization.verification_decided_at is None:
            return None
        viewer = current_user
        sees_reason = bool(viewer) and viewer.is_authenticated and (
            authz.is_staff(viewer)
            or viewer.is_platform_admin
            or organization.id in {m.organization_id for m in authz.active_memberships(viewer)}
        )
        return {
            "decision": "verify" if organization.verified else "reject",
            "reason": organization.verification_reason if sees_reason else None,
            "decided_at": organization.verification_decided_at.isoformat(),
        }

    def _location(self, organization) -> dict | None:
        return point_to_dict(organization.location)


def _kind_filter() -> fields.String:
    return fields.String(validate=validate.OneOf([k.value for k in OrganizationKind]))


def _region_filter() -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^\d{1,12}$", error="Digits of an AGS."),
        metadata={"description": "region: organisations whose AGS starts with these digits"},
    )


class OrganizationListArgs(ListArgs):
    kind = _kind_filter()
    q = fields.String(validate=validate.Length(max=200))
    parent_id = fields.Integer(validate=VALID_ID)
    verified = fields.Boolean()
    ags = _region_filter()


class OrganizationUpdateArgs(Schema):
    contact_user_id = fields.Integer(
        required=True, allow_none=True, validate=VALID_ID,
        metadata={"description": "an active member, or null"},
    )


OrganizationPageSchema = page_schema(OrganizationSchema, "OrganizationPageSchema")


class DirectoryArgs(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "words, each found in a person's name, function or organisation "
                       "(with or without diacritics), or in an organisation's name"})
    kind = _kind_filter()
    ags = _region_filter()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100),
                           metadata={"description": "at most this many of each list"})


class DirectorySchema(Schema):
    organizations = fields.List(fields.Nested(OrganizationSchema))
    people = fields.List(fields.Nested(PersonSchema), metadata={
        "description": "active members the caller may find, ordered by name"})


class MemberArgs(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "not used: the invited person gives their name when accepting"},
    )
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class MemberSchema(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    email = fields.Method("_email", metadata={
        "description": "Only for the organisation's admins and the member themself."})
    organization_id = fields.Integer()
    role = fields.String()
    status = fields.String()
    function = fields.String(allow_none=True)
    languages = fields.List(fields.String(), attribute="user.languages")
    topics = fields.List(fields.String(), attribute="user.topics")

    def _email(self, membership):
        # E-mail addresses are private (the public profile has none either): anyone signed
        # in may read the member list, only those who administer it see the addresses.
        viewer = current_user
        if viewer and viewer.is_authenticated and (
            viewer.id == membership.user_id
            or authz.is_org_admin(viewer, membership.organization_id)
        ):
            return membership.user.email
        return missing


class MemberListArgs(Schema):
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(["active", "pending", "disabled", "all"]),
        metadata={"description": "all but active: the organisation's admins only"},
    )


class MemberUpdateArgs(Schema):
    role = fields.String(validate=validate.OneOf([r.value for r in Role]))
    status = fields.String(validate=validate.OneOf(["active", "disabled"]))
    function = fields.String(validate=validate.Length(max=200),
                             metadata={"description": "job title, e.g. Bürgermeister"})

    @validates_schema
    def _something(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError("Send role, status or function.", "role")


class InvitationArgs(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class InvitationSchema(RecordSchema):
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    email = fields.String()
    role = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    invited_by = fields.Function(lambda i: i.invited_by.name if i.invited_by else None)


class NewInvitationSchema(InvitationSchema):
    mailed = fields.Boolean(metadata={"description": "the link went out by e-mail"})
    link = fields.String(
        metadata={"description": "the one-time link, only when the server sends no e-mail"}
    )


class AcceptInvitationArgs(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "for a new account"},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "a new password, or the existing account's"},
    )


class VerifyArgs(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["verify", "reject"]))
    reason = fields.String(
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={"description": "required to reject"},
    )
