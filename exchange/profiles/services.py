"""Accounts, organisations and memberships: every write and rule of the profiles domain."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from exchange import signals
from exchange.db import point_wkt, utcnow
from exchange.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from exchange.extensions import db
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import (
    ApiToken,
    LoginAttempt,
    LoginSession,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)

TOKEN_PREFIX = "exc_"
PUBLIC_ROLES = {Role.ADMIN, Role.OFFICIAL, Role.CASEWORKER}
LANDLORD_ORG_ROLES = {Role.ADMIN, Role.LANDLORD}


# --- passwords ---------------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    if current_app.config.get("ARGON2_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH: str | None = None


def _burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-password")
    with contextlib.suppress(VerificationError):
        _hasher().verify(_DUMMY_HASH, password)


# --- users and login ---------------------------------------------------------------------


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, address: str) -> User:
    """Check credentials; 401 the same for an unknown e-mail and a wrong password.

    Failed attempts are counted in the database, per e-mail and per address, so that
    every process sees them; past the limit the answer is 429 until the window passes.
    """
    email = email.strip().lower()
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    by_email, by_address = db.session.execute(
        select(
            func.count().filter(LoginAttempt.email == email),
            func.count().filter(LoginAttempt.address == address),
        ).where(
            LoginAttempt.attempted_at >= since,
            or_(LoginAttempt.email == email, LoginAttempt.address == address),
        )
    ).one()
    limit = cfg["LOGIN_MAX_FAILURES"]
    if by_email >= limit or by_address >= limit * 4:
        raise TooManyRequests("Too many failed logins. Try again later.")
    user = find_user_by_email(email)
    if user is None:
        _burn_time(password)
    if user is None or not check_password(user, password) or user.disabled:
        db.session.add(LoginAttempt(email=email, address=address))
        db.session.commit()
        raise Unauthorized("E-mail or password is wrong.")
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    return user


def start_login_session(user: User) -> LoginSession:
    """Record a new signed-in session; its key goes into the session cookie."""
    login_session = LoginSession(user_id=user.id, key=secrets.token_urlsafe(32))
    db.session.add(login_session)
    db.session.flush()
    return login_session


def login_session_valid(user_id: int, key: str | None) -> bool:
    if not key:
        return False
    return (
        db.session.scalar(
            select(LoginSession.id).where(
                LoginSession.key == key,
                LoginSession.user_id == user_id,
                LoginSession.ended_at.is_(None),
            )
        )
        is not None
    )


def end_login_session(key: str) -> None:
    """End one session (logout); its open sockets are closed after commit."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.key == key, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    signals.session_ended.send(key)


def _validate_password(password: str) -> None:
    if len(password) < 10:
        raise InvalidInput({"password": "Use at least 10 characters."})


def register(
    email: str, password: str, name: str, organization_id: int | None = None
) -> tuple[User, Membership]:
    """Self-registration.

    Without an organisation: a private landlord, usable at once, in an organisation of
    its own (kind landlord, not yet verified). With one: a pending membership that an
    admin of that organisation approves.
    """
    _validate_password(password)
    if find_user_by_email(email) is not None:
        raise _email_taken()
    user = User(
        email=email.strip().lower(), name=name.strip(), password_hash=hash_password(password)
    )
    db.session.add(user)
    if organization_id is None:
        organization = Organization(
            name=name.strip(), kind=OrganizationKind.LANDLORD.value, verified=False
        )
        db.session.add(organization)
        db.session.flush()
        membership = Membership(
            user=user, organization=organization, role=Role.LANDLORD, status=MembershipStatus.ACTIVE
        )
    else:
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            raise InvalidInput({"organization_id": "No such organisation."})
        role = Role.LANDLORD if organization.kind == OrganizationKind.LANDLORD else Role.OFFICIAL
        membership = Membership(
            user=user, organization=organization, role=role, status=MembershipStatus.PENDING
        )
    db.session.add(membership)
    _flush_unique_email()
    return user, membership


def _flush_unique_email() -> None:
    # Two registrations racing for one e-mail: the unique index decides (a 409, see
    # exchange.errors.conflict_from_integrity_error).
    db.session.flush()


EMAIL_TAKEN = "An account with this e-mail exists already."


def _email_taken() -> Conflict:
    return Conflict(EMAIL_TAKEN, {"json": {"email": [EMAIL_TAKEN]}})


def update_profile(user: User, changes: dict) -> User:
    """Change one's own profile fields (already validated by the schema)."""
    for field in ("name", "bio", "phone", "languages", "topics", "locale", "email_notifications"):
        if field in changes:
            setattr(user, field, changes[field])
    db.session.flush()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.disabled:
        raise NotFound()
    return user


def create_admin(email: str, password: str, name: str | None = None) -> User:
    """Make (or promote) a platform admin; used by `exchange create-admin`."""
    _validate_password(password)
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email.strip().lower(), name=name or email.split("@")[0])
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_platform_admin = True
    db.session.flush()
    return user


# --- API tokens --------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=_token_hash(raw))
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound()
    token.revoked_at = utcnow()
    db.session.flush()


def user_for_token(raw: str) -> User | None:
    """The active user owning a valid, unrevoked token."""
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(raw), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None or token.user.disabled:
        return None
    return token.user


# --- organisations -----------------------------------------------------------------------


def create_organization(
    actor: User,
    name: str,
    kind: str,
    ags: str | None = None,
    parent_id: int | None = None,
    location: dict | None = None,
) -> Organization:
    """A new organisation in the directory (platform admins only)."""
    authz.require_platform_admin(actor)
    if parent_id is not None and db.session.get(Organization, parent_id) is None:
        raise InvalidInput({"parent_id": "No such organisation."})
    if ags and db.session.scalar(select(Organization.id).where(Organization.ags == ags)):
        raise Conflict("An organisation with this AGS exists already.",
                       {"json": {"ags": ["An organisation with this AGS exists already."]}})
    organization = Organization(
        name=name.strip(),
        kind=kind,
        ags=ags,
        parent_id=parent_id,
        location=point_wkt(location["lat"], location["lon"]) if location else None,
    )
    db.session.add(organization)
    db.session.flush()
    return organization


def list_organizations(
    kind: str | None, q: str | None, parent_id: int | None, limit: int, cursor: str | None
) -> Page:
    """The directory: organisations filtered by kind, parent and a name search."""
    stmt = select(Organization)
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    if q:
        stmt = stmt.where(Organization.name.ilike(f"%{_escape_like(q)}%"))
    return page_by_id(stmt, Organization.id, limit, cursor)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return organization


def _check_role_fits(organization: Organization, role: str) -> None:
    allowed = LANDLORD_ORG_ROLES if organization.kind == OrganizationKind.LANDLORD else PUBLIC_ROLES
    if role not in allowed:
        raise InvalidInput(
            {"role": f"Must be one of: {', '.join(sorted(allowed))} for this organisation."}
        )


def add_member(
    actor: User,
    organization_id: int,
    email: str,
    name: str,
    role: str,
    password: str | None = None,
) -> Membership:
    """Create a user (or attach an existing one) as an active member in a role."""
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    _check_role_fits(organization, role)
    user = find_user_by_email(email)
    if user is None:
        if password is not None:
            _validate_password(password)
        user = User(
            email=email.strip().lower(),
            name=name.strip(),
            password_hash=hash_password(password) if password else None,
        )
        db.session.add(user)
        _flush_unique_email()
    existing = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id
        )
    )
    if existing is not None:
        raise Conflict("This person is a member already.")
    membership = Membership(
        user=user, organization=organization, role=role, status=MembershipStatus.ACTIVE
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def approve_member(actor: User, organization_id: int, user_id: int) -> Membership:
    """An org admin approves a pending join request."""
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.user_id == user_id, Membership.organization_id == organization.id)
        .with_for_update()
    )
    if membership is None:
        raise NotFound()
    if membership.status == MembershipStatus.DISABLED:
        raise Conflict("This membership is disabled.")
    membership.status = MembershipStatus.ACTIVE
    db.session.flush()
    signals.membership_approved.send(membership)
    return membership


def pending_memberships(actor: User, organization_id: int) -> list[Membership]:
    authz.require_org_admin(actor, organization_id)
    return list(
        db.session.scalars(
            select(Membership)
            .where(
                Membership.organization_id == organization_id,
                Membership.status == MembershipStatus.PENDING,
            )
            .order_by(Membership.id)
        )
    )


def members_of(organization_id: int) -> list[Membership]:
    """Active members of an organisation, for the directory."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User)
            .where(
                Membership.organization_id == organization_id,
                Membership.status == MembershipStatus.ACTIVE,
                User.disabled.is_(False),
            )
            .order_by(User.name)
        )
    )
