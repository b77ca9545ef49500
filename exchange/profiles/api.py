"""REST API of accounts and organisations: parse → service → commit → dump."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from exchange.extensions import db
from exchange.profiles import auth, services
from exchange.profiles.models import ApiToken
from exchange.profiles.schemas import (
    LoginArgs,
    LoginResultSchema,
    MemberArgs,
    MemberSchema,
    MeSchema,
    NewTokenSchema,
    OrganizationArgs,
    OrganizationListArgs,
    OrganizationPageSchema,
    OrganizationSchema,
    ProfileArgs,
    PublicUserSchema,
    RegisterArgs,
    TokenArgs,
    TokenSchema,
    UserSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and organisations")


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


@blp.post("/auth/login")
@blp.arguments(LoginArgs)
@blp.response(200, LoginResultSchema)
@blp.alt_response(401, description="Wrong e-mail or password (the same for both)")
@blp.alt_response(429, description="Too many failed attempts")
def login(args: dict):
    """Sign in with e-mail and password; sets the session cookie."""
    user = services.authenticate(args["email"], args["password"], client_address())
    csrf_token = auth.sign_in(user)
    db.session.commit()
    return {"user": user, "csrf_token": csrf_token}


@blp.post("/auth/logout")
@blp.response(204)
@login_required
def logout():
    """End this session; its open sockets are closed."""
    auth.sign_out()
    db.session.commit()


@blp.post("/auth/register")
@blp.arguments(RegisterArgs)
@blp.response(201, UserSchema)
def register(args: dict):
    """Register: a landlord account at once, or a pending request to join an organisation."""
    user, _membership = services.register(**args)
    db.session.commit()
    return user


@blp.post("/auth/tokens")
@blp.arguments(TokenArgs)
@blp.response(201, NewTokenSchema)
@login_required
def create_token(args: dict):
    """A personal API token for `Authorization: Bearer`; shown once."""
    token, raw = services.create_api_token(current_user, args["name"])
    db.session.commit()
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "token": raw}


@blp.get("/auth/tokens")
@blp.response(200, TokenSchema(many=True))
@login_required
def list_tokens():
    """My unrevoked tokens (without their values)."""
    return db.session.scalars(
        db.select(ApiToken)
        .where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()


@blp.delete("/auth/tokens/<int:token_id>")
@blp.response(204)
@login_required
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    services.revoke_api_token(current_user, token_id)
    db.session.commit()


@blp.get("/me")
@blp.response(200, MeSchema)
@login_required
def me():
    """My own profile."""
    return current_user


@blp.patch("/me")
@blp.arguments(ProfileArgs)
@blp.response(200, MeSchema)
@login_required
def update_me(args: dict):
    """Change my profile: name, bio, phone, languages, topics, locale, email_notifications."""
    user = services.update_profile(current_user, args)
    db.session.commit()
    return user


@blp.get("/users/<int:user_id>")
@blp.response(200, PublicUserSchema)
@login_required
def get_user(user_id: int):
    """Someone's public profile."""
    return services.get_user(user_id)


@blp.post("/organizations")
@blp.arguments(OrganizationArgs)
@blp.response(201, OrganizationSchema)
@login_required
def create_organization(args: dict):
    """A new organisation (platform admins)."""
    organization = services.create_organization(current_user, **args)
    db.session.commit()
    return organization


@blp.get("/organizations")
@blp.arguments(OrganizationListArgs, location="query")
@blp.response(200, OrganizationPageSchema)
@login_required
def list_organizations(args: dict):
    """The directory of organisations."""
    return services.list_organizations(
        args.get("kind"), args.get("q"), args.get("parent_id"), args["limit"], args["cursor"]
    )


@blp.get("/organizations/<int:organization_id>")
@blp.response(200, OrganizationSchema)
@login_required
def get_organization(organization_id: int):
    """One organisation."""
    return services.get_organization(organization_id)


@blp.get("/organizations/<int:organization_id>/members")
@blp.response(200, MemberSchema(many=True))
@login_required
def list_members(organization_id: int):
    """Active members; org admins also see pending requests (`?status=pending`)."""
    services.get_organization(organization_id)
    if request.args.get("status") == "pending":
        return services.pending_memberships(current_user, organization_id)
    return services.members_of(organization_id)


@blp.post("/organizations/<int:organization_id>/members")
@blp.arguments(MemberArgs)
@blp.response(201, MemberSchema)
@login_required
def add_member(args: dict, organization_id: int):
    """Create (or attach) a user as a member in a role (org admins)."""
    membership = services.add_member(current_user, organization_id, **args)
    db.session.commit()
    return membership


@blp.post("/organizations/<int:organization_id>/members/<int:user_id>/approve")
@blp.response(200, MemberSchema)
@login_required
def approve_member(organization_id: int, user_id: int):
    """Approve a pending join request (org admins)."""
    membership = services.approve_member(current_user, organization_id, user_id)
    db.session.commit()
    return membership

