"""REST API of accounts and organisations: parse → service → dump."""

from __future__ import annotations

from flask import request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from exchange.errors import Conflict, Unauthorized
from exchange.openapi import api_blueprint, endpoint
from exchange.profiles import (
    accounts,
    auth,
    invitations,
    login_sessions,
    memberships,
    organizations,
    people,
    tokens,
    verification,
)
from exchange.profiles import (
    second_factor as two_factor,
)
from exchange.profiles.models import User
from exchange.profiles.schemas import (
    AcceptInvitationArgs,
    DirectoryArgs,
    DirectorySchema,
    InvitationArgs,
    InvitationSchema,
    LoginArgs,
    LoginResultSchema,
    MemberArgs,
    MemberListArgs,
    MemberSchema,
    MemberUpdateArgs,
    MeSchema,
    NewInvitationSchema,
    NewTokenSchema,
    OrganizationArgs,
    OrganizationListArgs,
    OrganizationPageSchema,
    OrganizationSchema,
    OrganizationUpdateArgs,
    OwnFunctionArgs,
    OwnMembershipSchema,
    ProfileArgs,
    PublicUserSchema,
    RecoveryCodesSchema,
    RegisterArgs,
    RegisterResultSchema,
    SecondFactorCodeArgs,
    TokenArgs,
    TokenSchema,
    TotpSetupSchema,
    VerifyArgs,
)

blp = api_blueprint("auth", __name__, "Accounts and organisations")


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


@endpoint(blp, "post", "/auth/login", 200, LoginResultSchema, body=LoginArgs, public=True,
          errors={401: "Wrong e-mail or password (the same for both)",
                  429: "Too many failed attempts"})
def login(args: dict):
    """Sign in with e-mail and password; sets the session cookie.

    Where a second factor is due the answer carries `second_factor` ("enroll" or
    "required") instead of `user`, and the session is not signed in until it is passed."""
    user = accounts.authenticate(args["email"], args["password"], client_address())
    answer = auth.after_password(user)
    return answer


def _enrolling_user() -> tuple[User, bool]:
    """Who sets up TOTP: a signed-in user (optional for some), or a half-signed-in session
    that must enrol. Returns (user, half_signed_in)."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    pending = auth.pending_user()
    if pending is None:
        raise Unauthorized()
    user, stage = pending
    if stage != "enroll":
        raise Conflict("Two-factor sign-in is set up already: send a code to POST /auth/2fa.")
    return user, True


@endpoint(blp, "post", "/auth/2fa/setup", 200, TotpSetupSchema,
          errors={401: "Neither signed in nor half-signed-in", 409: "TOTP is set up already"},
          public=True)
def totp_setup():
    """Start setting up TOTP: a new secret and its otpauth:// URI (for a QR code)."""
    user, _half = _enrolling_user()
    secret = two_factor.begin_totp_setup(user)
    return {"secret": secret, "otpauth_uri": two_factor.totp_uri(user)}


@endpoint(blp, "post", "/auth/2fa/confirm", 200, RecoveryCodesSchema,
          body=SecondFactorCodeArgs, public=True,
          errors={422: "The code is wrong (counts as a failed login)",
                  429: "Too many failed attempts"})
def totp_confirm(args: dict):
    """Put TOTP in force with a first code; answers the recovery codes (shown once) and
    signs a half-signed-in session in."""
    user, half = _enrolling_user()
    codes = two_factor.confirm_totp(user, args["code"], client_address())
    if half:
        csrf_token = auth.finish_second_factor(user)
    else:
        if session.get("login_session"):
            login_sessions.mark_second_factor(session["login_session"])
        csrf_token = generate_csrf()
    return {"recovery_codes": codes, "user": user, "csrf_token": csrf_token}


@endpoint(blp, "post", "/auth/2fa", 200, LoginResultSchema, body=SecondFactorCodeArgs,
          public=True, errors={401: "Wrong or used code, or no half-signed-in session",
                               429: "Too many failed attempts"})
def second_factor(args: dict):
    """Finish signing in with a TOTP code (each accepted once) or a recovery code."""
    pending = auth.pending_user()
    if pending is None or pending[1] != "required":
        raise Unauthorized()
    user = pending[0]
    two_factor.verify_second_factor(user, args["code"], client_address())
    csrf_token = auth.finish_second_factor(user)
    return {"user": user, "csrf_token": csrf_token}


@endpoint(blp, "post", "/auth/logout", 204)
def logout():
    """End this session; its open sockets are closed."""
    auth.sign_out()


@endpoint(blp, "post", "/auth/register", 202, RegisterResultSchema, body=RegisterArgs, public=True)
def register(args: dict):
    """Register: a landlord account (sign in with it), or a pending request to join an
    organisation. The answer is the same whether the e-mail has an account already or not
    (that account's owner is told by e-mail instead); nothing says which."""
    accounts.register(**args)
    return {"message": accounts.registration_message(args["organization_id"])}


@endpoint(blp, "post", "/auth/tokens", 201, NewTokenSchema, body=TokenArgs)
def create_token(args: dict):
    """A personal API token for `Authorization: Bearer`; shown once. Only a fully signed-in
    session makes one (a half-signed-in one is not signed in)."""
    token, raw = tokens.create_api_token(current_user, args["name"])
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "token": raw}


@endpoint(blp, "get", "/auth/tokens", 200, TokenSchema(many=True))
def list_tokens():
    """My unrevoked tokens (without their values)."""
    return tokens.list_api_tokens(current_user)


@endpoint(blp, "delete", "/auth/tokens/<int:token_id>", 204)
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    tokens.revoke_api_token(current_user, token_id)


@endpoint(blp, "get", "/me", 200, MeSchema)
def me():
    """My own profile."""
    return current_user


@endpoint(blp, "patch", "/me", 200, MeSchema, body=ProfileArgs)
def update_me(args: dict):
    """Change my profile: name, bio, phone (shown in the directory when given), languages,
    topics, locale, email_notifications, show_email (the directory shows my e-mail)."""
    user = accounts.update_profile(current_user, args)
    return user


@endpoint(blp, "patch", "/me/memberships/<int:organization_id>", 200, OwnMembershipSchema,
          body=OwnFunctionArgs)
def update_my_membership(args: dict, organization_id: int):
    """My job title in an organisation I am an active member of (404 for others)."""
    return memberships.set_own_function(current_user, organization_id, args["function"])


@endpoint(blp, "get", "/users/<int:user_id>", 200, PublicUserSchema)
def get_user(user_id: int):
    """Someone's public profile."""
    return accounts.get_user(user_id)


@endpoint(blp, "post", "/organizations", 201, OrganizationSchema, body=OrganizationArgs)
def create_organization(args: dict):
    """A new organisation (platform admins)."""
    organization = organizations.create_organization(current_user, **args)
    return organization


@endpoint(blp, "get", "/organizations", 200, OrganizationPageSchema, query=OrganizationListArgs)
def list_organizations(args: dict):
    """The directory of organisations."""
    return organizations.list_organizations(
        args.get("kind"), args.get("q"), args.get("parent_id"), args["limit"], args["cursor"],
        verified=args.get("verified"), ags=args.get("ags"),
    )


@endpoint(blp, "get", "/directory", 200, DirectorySchema, query=DirectoryArgs)
def search_directory(args: dict):
    """Search the directory: organisations by name, and people by name, function
    ("Bürgermeister") or organisation, each with how to reach them. Staff and platform
    admins find the active members of every organisation; anyone else the named contact
    persons and the members of their own organisations. E-mail only where its owner
    shows it."""
    kind, ags, limit = args.get("kind"), args.get("ags"), args["limit"]
    return {
        "organizations": organizations.list_organizations(
            kind, args["q"], None, limit, None, ags=ags).items,
        "people": people.search_people(current_user, args["q"], kind, ags, limit),
    }


@endpoint(blp, "get", "/organizations/<int:organization_id>", 200, OrganizationSchema)
def get_organization(organization_id: int):
    """One organisation."""
    return organizations.get_organization(organization_id)


@endpoint(blp, "patch", "/organizations/<int:organization_id>", 200, OrganizationSchema,
          body=OrganizationUpdateArgs)
def update_organization(args: dict, organization_id: int):
    """Name the organisation's contact person in the directory (org admins)."""
    organization = organizations.set_contact(current_user, organization_id, args["contact_user_id"])
    return organization


@endpoint(blp, "post", "/organizations/<int:organization_id>/verify", 200, OrganizationSchema,
          body=VerifyArgs)
def verify_organization(args: dict, organization_id: int):
    """Verify or reject a landlord organisation with a reason (officials of a municipality
    or district; a reason is required to reject)."""
    organization = verification.decide_verification(
        current_user, organization_id, args["decision"], args["reason"]
    )
    return organization


@endpoint(blp, "get", "/organizations/<int:organization_id>/members", 200, MemberSchema(many=True),
          query=MemberListArgs)
def list_members(args: dict, organization_id: int):
    """Active members, for staff of verified public organisations and the organisation's
    own members (404 for anyone else); org admins also list `?status=pending`, `disabled`
    or `all`."""
    organizations.get_organization(organization_id)
    status = args["status"]
    if status == "active":
        return organizations.get_members_for(current_user, organization_id)
    return memberships.memberships_of(current_user, organization_id, None if status == "all"
                                   else status)


@endpoint(blp, "post", "/organizations/<int:organization_id>/members", 201, NewInvitationSchema,
          body=MemberArgs)
def add_member(args: dict, organization_id: int):
    """Invite someone as a member in a role (org admins): the same as POST
    .../invitations. Nobody becomes a member without accepting, and the answer is the same
    whether the e-mail has an account or not."""
    return _invite(organization_id, args["email"], args["role"])


def _invite(organization_id: int, email: str, role: str):
    invitation, raw = invitations.invite(current_user, organization_id, email, role)
    mailed = invitations.mail_invitation(invitation, raw, current_user)
    # Answer-only attributes (not stored): NewInvitationSchema dumps them.
    invitation.mailed = mailed
    if not mailed:
        invitation.link = invitations.invitation_link(raw)
    return invitation


@endpoint(blp, "post", "/organizations/<int:organization_id>/members/<int:user_id>/approve", 200,
          MemberSchema)
def approve_member(organization_id: int, user_id: int):
    """Approve a pending join request (org admins); the member is notified."""
    membership = memberships.approve_member(current_user, organization_id, user_id)
    return membership


@endpoint(blp, "post", "/organizations/<int:organization_id>/members/<int:user_id>/reject", 204)
def reject_member(organization_id: int, user_id: int):
    """Reject a pending join request (org admins): the membership is deleted."""
    memberships.reject_member(current_user, organization_id, user_id)


@endpoint(blp, "patch", "/organizations/<int:organization_id>/members/<int:user_id>", 200,
          MemberSchema, body=MemberUpdateArgs)
def update_member(args: dict, organization_id: int, user_id: int):
    """Change a member's role, or disable (`status: disabled`: their sessions, API tokens
    and open sockets stop at once) or re-enable them (org admins)."""
    membership = memberships.update_member(current_user, organization_id, user_id, **args)
    return membership


@endpoint(blp, "post", "/organizations/<int:organization_id>/invitations", 201, NewInvitationSchema,
          body=InvitationArgs)
def create_invitation(args: dict, organization_id: int):
    """Invite someone by e-mail (org admins): a one-time link valid for
    INVITATION_TTL_DAYS, mailed when the server sends e-mail, else in the answer."""
    return _invite(organization_id, args["email"], args["role"])


@endpoint(blp, "get", "/organizations/<int:organization_id>/invitations", 200,
          InvitationSchema(many=True))
def list_invitations(organization_id: int):
    """Invitations not yet accepted or revoked (org admins)."""
    organizations.get_organization(organization_id)
    return invitations.open_invitations(current_user, organization_id)


@endpoint(blp, "delete", "/organizations/<int:organization_id>/invitations/<int:invitation_id>",
          204)
def revoke_invitation(organization_id: int, invitation_id: int):
    """Revoke an open invitation (org admins): its link stops working."""
    invitations.revoke_invitation(current_user, organization_id, invitation_id)


@endpoint(blp, "post", "/invitations/accept", 201, LoginResultSchema, body=AcceptInvitationArgs,
          errors={404: "The link is unknown, used, revoked or expired"}, public=True)
def accept_invitation(args: dict):
    """Accept an invitation with the token of its link: a new account (name, password) or
    the existing one of that address (its password). Signs in like a login (a second
    factor may be due)."""
    user = invitations.accept_invitation(
        args["token"], args["name"], args["password"], client_address()
    )
    answer = auth.after_password(user)
    return answer


@endpoint(blp, "get", "/invitations", 200, InvitationSchema(many=True))
def my_invitations():
    """Open invitations addressed to my e-mail."""
    return invitations.my_invitations(current_user)


@endpoint(blp, "post", "/invitations/<int:invitation_id>/accept", 200, MemberSchema)
def accept_my_invitation(invitation_id: int):
    """Accept an invitation addressed to my e-mail (signed in)."""
    membership = invitations.accept_my_invitation(current_user, invitation_id)
    return membership

