"""Accounts, organisations and memberships: every write and rule of the profiles domain."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import time
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from exchange import mail, signals
from exchange.db import point_wkt, utcnow
from exchange.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Text,
    Unauthorized,
)
from exchange.extensions import db
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz, throttle
from exchange.profiles.models import (
    ApiToken,
    Invitation,
    LoginSession,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    RecoveryCode,
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


# Every request needs the user's memberships and their organisations (authz): load them
# with the user in one round trip instead of two lazy loads.
WITH_MEMBERSHIPS = (joinedload(User.memberships).joinedload(Membership.organization),)


# --- users and login ---------------------------------------------------------------------


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, address: str) -> User:
    """Check credentials; 401 the same for an unknown e-mail and a wrong password.

    The attempt is admitted by the throttle first (exchange/profiles/throttle.py: counted
    in the database under a row lock, so parallel guesses are counted one by one; past the
    free attempts, 429 with the wait). For a user who still has to pass a second factor
    the count is kept: wrong codes add to it, and a correct password alone must not reset
    it.
    """
    email = email.strip().lower()
    limits = throttle.password_limits(email, address)
    throttle.admit(limits)
    user = find_user_by_email(email)
    if user is None:
        _burn_time(password)
    if user is None or not check_password(user, password) or user.disabled:
        raise Unauthorized("E-mail or password is wrong.")
    throttle.succeeded(limits, forget=second_factor_stage(user) is None)
    return user


def start_login_session(user: User, second_factor: bool = False) -> LoginSession:
    """Record a new signed-in session; its key goes into the session cookie."""
    login_session = LoginSession(
        user_id=user.id,
        key=secrets.token_urlsafe(32),
        second_factor_at=utcnow() if second_factor else None,
    )
    db.session.add(login_session)
    db.session.flush()
    return login_session


def login_session_valid(user_id: int, key: str | None) -> bool:
    """Whether the session is open and signed in: for a user who must use a second factor
    (now: roles change), only a session that passed it counts."""
    if not key:
        return False
    row = db.session.execute(
        select(LoginSession.id, LoginSession.second_factor_at).where(
            LoginSession.key == key,
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
        )
    ).first()
    if row is None:
        return False
    if row.second_factor_at is None:
        user = db.session.get(User, user_id)
        return user is not None and not must_use_second_factor(user)
    return True


def mark_second_factor(key: str) -> None:
    """The session (already signed in) has just passed the second factor."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.key == key, LoginSession.ended_at.is_(None))
        .values(second_factor_at=utcnow())
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
) -> Membership | None:
    """Self-registration, answered the same whether the e-mail is new or not.

    Without an organisation: a private landlord, usable at once (after signing in), in an
    organisation of its own (kind landlord, not yet verified). With one: a pending
    membership that an admin of that organisation approves. For an e-mail that has an
    account already nothing is made: its owner is told by e-mail (after commit) that
    someone tried to register with it, and None is returned. Input is checked, and a
    password hashed, first either way, so that neither the answer nor its time tells the
    two apart.
    """
    _validate_password(password)
    organization = None
    if organization_id is not None:
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            raise InvalidInput({"organization_id": "No such organisation."})
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        _mail_registration_attempt(existing)
        return None
    user = User(email=email.strip().lower(), name=name.strip(), password_hash=password_hash)
    db.session.add(user)
    if organization is None:
        organization = Organization(
            name=name.strip(), kind=OrganizationKind.LANDLORD.value, verified=False
        )
        db.session.add(organization)
        db.session.flush()
        membership = Membership(
            user=user, organization=organization, role=Role.LANDLORD, status=MembershipStatus.ACTIVE
        )
    else:
        role = Role.LANDLORD if organization.kind == OrganizationKind.LANDLORD else Role.OFFICIAL
        membership = Membership(
            user=user, organization=organization, role=role, status=MembershipStatus.PENDING
        )
    db.session.add(membership)
    _flush_unique_email()
    return membership


def registration_message(organization_id: int | None) -> Text:
    """What the registration answers, new e-mail or not (it must not tell them apart)."""
    if organization_id is None:
        return Text("Thank you. Sign in with your e-mail address and password. If the "
                    "address had an account already, we have sent its owner an e-mail instead.")
    return Text("Thank you. An administrator of the organisation will approve your request. "
                "If the address had an account already, we have sent its owner an e-mail "
                "instead.")


def _mail_registration_attempt(user: User) -> bool:
    """Tell an account's owner that someone tried to register with their address (after
    commit; False when e-mail is off)."""
    from flask_babel import force_locale, gettext

    with force_locale(user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")):
        subject = gettext("Registration attempt with your address on Exchange")
        body = "\n\n".join([
            gettext("Someone tried to register a new account on Exchange with your e-mail "
                    "address. You have an account already, so nothing was changed."),
            gettext("If that was you: sign in with your password, or ask an administrator "
                    "of your organisation if you have forgotten it. If not, you need not do "
                    "anything."),
            mail.external_url("profiles_views.login"),
        ])
    return mail.send_after_commit(user.email, subject, body)


def _flush_unique_email() -> None:
    # Two registrations racing for one e-mail: the unique index decides (a 409, see
    # exchange.errors.conflict_from_integrity_error).
    db.session.flush()


def update_profile(user: User, changes: dict) -> User:
    """Change one's own profile fields (already validated by the schema)."""
    for field in ("name", "bio", "phone", "languages", "topics", "locale", "email_notifications",
                  "email_muted_kinds"):
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


def token_hash(raw: str) -> str:
    """How a token is stored and looked up: its SHA-256, never the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=token_hash(raw))
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
    """The active user owning a valid, unrevoked token.

    Tokens are made by fully signed-in sessions only; a token of someone who must now use
    a second factor but has none set up (a role given later) does not work until they do.
    """
    user = (
        db.session.scalars(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == token_hash(raw),
                ApiToken.revoked_at.is_(None),
                User.disabled.is_(False),
            )
            .options(*WITH_MEMBERSHIPS)
        )
        .unique()
        .first()
    )
    if user is None:
        return None
    if user.totp_enabled_at is None and authz.requires_second_factor(user):
        return None
    return user


def end_user_access(user: User) -> None:
    """End every session of the user, revoke every token and close their open sockets (after
    commit): used when an account is disabled as a whole."""
    keys = db.session.scalars(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .returning(LoginSession.key)
    ).all()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    for key in keys:
        signals.session_ended.send(key)
    signals.user_access_changed.send(user.id)


# --- second factor (TOTP, RFC 6238) ------------------------------------------------------

TOTP_PERIOD = 30
#: Codes of the step before and after the current one are accepted too (clock drift).
TOTP_WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def must_use_second_factor(user: User) -> bool:
    """Whoever set up TOTP uses it from then on; staff who see persons or administer must."""
    return user.totp_enabled_at is not None or authz.requires_second_factor(user)


def second_factor_stage(user: User) -> str | None:
    """After a correct password: None (signed in), "required" (enter a code) or "enroll"
    (set up TOTP first)."""
    if user.totp_enabled_at is not None:
        return "required"
    if authz.requires_second_factor(user):
        return "enroll"
    return None


def totp_uri(user: User) -> str:
    """The otpauth:// URI of the user's (pending) secret, for authenticator apps."""
    issuer = current_app.config.get("TOTP_ISSUER") or "Exchange"
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def begin_totp_setup(user: User) -> str:
    """A new TOTP secret for the user, not in force until confirmed with a code; returns it.

    A user who has TOTP in force already gets 409 (the secret is never shown again)."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is set up already.")
    user.totp_secret = pyotp.random_base32(32)
    db.session.flush()
    return user.totp_secret


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is, within the window, or None."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now if now is not None else time.time()) // TOTP_PERIOD
    matched = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def _claim_totp_step(user: User, step: int) -> bool:
    """Record the step as used unless it (or a later one) was used already; the database
    decides between two requests with one code."""
    claimed = db.session.scalar(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session="fetch")
    )
    return claimed is not None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    db.session.flush()
    return codes


def confirm_totp(user: User, code: str, address: str) -> list[str]:
    """Put the pending secret in force with a first code; returns the recovery codes (shown
    once, stored hashed). A wrong code is 422 and counts as a failed login."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is set up already.")
    if not user.totp_secret:
        raise Conflict("Start the setup first (POST /auth/2fa/setup).")
    limits = throttle.second_factor_limits(user.id, user.email, address)
    throttle.admit(limits)
    step = _totp_step(user.totp_secret, _normalise_code(code))
    if step is None or not _claim_totp_step(user, step):
        raise InvalidInput({"code": "This code is not valid. Check the time on your device."})
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    throttle.succeeded(limits)
    return codes


def verify_second_factor(user: User, code: str, address: str) -> str:
    """Check a TOTP code (not one used before) or an unused recovery code (then used up);
    returns "totp" or "recovery". Wrong: 401, counted like a wrong password."""
    limits = throttle.second_factor_limits(user.id, user.email, address)
    throttle.admit(limits)
    normalised = _normalise_code(code)
    if user.totp_enabled_at is not None and user.totp_secret:
        step = _totp_step(user.totp_secret, normalised)
        if step is not None and _claim_totp_step(user, step):
            throttle.succeeded(limits)
            return "totp"
        if step is None and normalised:
            used = db.session.scalar(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _recovery_hash(normalised),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
                .returning(RecoveryCode.id)
            )
            if used is not None:
                throttle.succeeded(limits)
                return "recovery"
    raise Unauthorized("The code is wrong or was used already.")


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


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
        # Landlords start unverified until an official verifies them (decide_verification).
        verified=kind != OrganizationKind.LANDLORD,
    )
    db.session.add(organization)
    db.session.flush()
    return organization


def list_organizations(
    kind: str | None,
    q: str | None,
    parent_id: int | None,
    limit: int,
    cursor: str | None,
    verified: bool | None = None,
    ags: str | None = None,
) -> Page:
    """The directory: organisations filtered by kind, parent, verification, region (an AGS
    prefix: "09" a state, "09162" a district and everything in it) and a name search."""
    stmt = select(Organization)
    if ags:
        stmt = stmt.where(Organization.ags.startswith(ags, autoescape=True))
    if verified is not None:
        stmt = stmt.where(Organization.verified.is_(verified))
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
            {"role": Text("Must be one of: %(roles)s for this organisation.",
                          roles=", ".join(sorted(allowed)))}
        )


def _lock_membership(organization_id: int, user_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.user_id == user_id, Membership.organization_id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if membership is None:
        raise NotFound()
    return membership


def approve_member(actor: User, organization_id: int, user_id: int) -> Membership:
    """An org admin approves a pending join request; the member is notified."""
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    membership = _lock_membership(organization.id, user_id)
    if membership.status == MembershipStatus.DISABLED:
        raise Conflict("This membership is disabled.")
    if membership.status == MembershipStatus.PENDING:
        membership.status = MembershipStatus.ACTIVE
        membership.user.disabled = False
        db.session.flush()
        signals.membership_approved.send(membership)
    return membership


def reject_member(actor: User, organization_id: int, user_id: int) -> None:
    """An org admin rejects a pending join request: the membership is deleted (the person
    may ask again), and they are notified."""
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    membership = _lock_membership(organization.id, user_id)
    if membership.status != MembershipStatus.PENDING:
        raise Conflict("Only a pending request can be rejected.")
    db.session.delete(membership)
    db.session.flush()
    signals.membership_rejected.send(organization, user_id=user_id)


def _other_active_admins(organization_id: int, user_id: int) -> int:
    """Active admins of the organisation other than this user, their rows locked (in id
    order) so that two admins cannot demote each other at the same time."""
    rows = db.session.scalars(
        select(Membership.id)
        .where(
            Membership.organization_id == organization_id,
            Membership.role == Role.ADMIN,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.user_id != user_id,
        )
        .order_by(Membership.id)
        .with_for_update()
    ).all()
    return len(rows)


def update_member(
    actor: User,
    organization_id: int,
    user_id: int,
    role: str | None = None,
    status: str | None = None,
    function: str | None = None,
) -> Membership:
    """Change a member's role, status or function (job title shown in the directory) (org
    admins).

    ``status`` "disabled" ends what this membership gave, at once (_end_membership_access);
    "active" re-enables (or approves a pending request). An organisation always keeps one
    active administrator.
    """
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    membership = _lock_membership(organization.id, user_id)
    if role is not None:
        _check_role_fits(organization, role)
    new_role = role or membership.role
    new_status = status or membership.status
    if status == MembershipStatus.PENDING and membership.status != MembershipStatus.PENDING:
        raise InvalidInput({"status": "A membership cannot go back to pending."})
    loses_admin = (
        membership.role == Role.ADMIN
        and membership.status == MembershipStatus.ACTIVE
        and (new_role != Role.ADMIN or new_status != MembershipStatus.ACTIVE)
    )
    if loses_admin and _other_active_admins(organization.id, user_id) == 0:
        raise Conflict("The organisation needs at least one active administrator.")
    changed_role = new_role != membership.role
    previous_status = membership.status
    membership.role = new_role
    membership.status = new_status
    if function is not None:
        membership.function = function.strip() or None
    user = membership.user
    db.session.flush()
    if new_status == MembershipStatus.DISABLED and previous_status != MembershipStatus.DISABLED:
        _end_membership_access(user, membership)
    elif new_status == MembershipStatus.ACTIVE and previous_status != MembershipStatus.ACTIVE:
        user.disabled = False
        if previous_status == MembershipStatus.PENDING:
            signals.membership_approved.send(membership)
    if changed_role and new_status == MembershipStatus.ACTIVE:
        # Rooms joined on connect follow roles (a former official must stop hearing exact
        # addresses): the member's sockets move to the rooms of their roles now.
        signals.user_rooms_changed.send(user)
        _end_sessions_without_second_factor(user)
    db.session.flush()
    return membership


def _end_membership_access(user: User, membership: Membership) -> None:
    """A membership was disabled: the permissions it gave stop with the commit (the
    identity cache moves on with every membership write), and the member's open sockets
    leave the rooms it gave (keeping those their other memberships give). Their sessions and
    tokens stay: an org admin ends only the access their own organisation gave. Only an
    account left with no active membership at all (and no platform role) is disabled as a
    whole, and then signed out everywhere."""
    still_active = any(
        m.status == MembershipStatus.ACTIVE for m in user.memberships if m is not membership
    )
    if not still_active and not user.is_platform_admin:
        user.disabled = True
        end_user_access(user)
    else:
        signals.user_rooms_changed.send(user)


def _end_sessions_without_second_factor(user: User) -> None:
    """A role that needs a second factor: the user's sessions that signed in with the
    password alone end (they no longer count as signed in, login_session_valid), and so do
    their sockets; without TOTP set up their tokens stop too (user_for_token), and with
    them their sockets."""
    if not must_use_second_factor(user):
        return
    keys = db.session.scalars(
        update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.second_factor_at.is_(None),
        )
        .values(ended_at=utcnow())
        .returning(LoginSession.key)
    ).all()
    for key in keys:
        signals.session_ended.send(key)
    if user.totp_enabled_at is None:
        signals.user_access_changed.send(user.id)


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


def memberships_of(actor: User, organization_id: int, status: str | None) -> list[Membership]:
    """Members of an organisation by status (``None``: all), for its admins."""
    authz.require_org_admin(actor, organization_id)
    stmt = select(Membership).join(User).where(Membership.organization_id == organization_id)
    if status:
        stmt = stmt.where(Membership.status == status)
    return list(db.session.scalars(stmt.order_by(User.name, Membership.id)))


def set_contact(actor: User, organization_id: int, user_id: int | None) -> Organization:
    """Name the organisation's contact person in the directory (org admins): an active
    member, or None to clear it."""
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    if user_id is not None and user_id not in {m.user_id for m in members_of(organization.id)}:
        raise InvalidInput({"contact_user_id": "Not an active member of this organisation."})
    organization.contact_user_id = user_id
    db.session.flush()
    return organization


def contact_of(organization: Organization) -> Membership | None:
    """The contact person's membership, while they are an active member."""
    if organization.contact_user_id is None:
        return None
    return next(
        (m for m in members_of(organization.id) if m.user_id == organization.contact_user_id),
        None,
    )


def may_list_members(actor: User, organization_id: int) -> bool:
    """Member lists (names, roles, functions) are for staff of verified public
    organisations, platform admins and the organisation's own active members; not for
    landlords (an unverified self-registered one least of all)."""
    return (
        actor.is_platform_admin
        or authz.is_staff(actor)
        or any(m.organization_id == organization_id for m in authz.active_memberships(actor))
    )


def members_for(actor: User, organization_id: int) -> list[Membership]:
    """The active members of an organisation, for those who may list them; 404 for
    anyone else."""
    if not may_list_members(actor, organization_id):
        raise NotFound()
    return members_of(organization_id)


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


# --- invitations -------------------------------------------------------------------------


def _invitation_ttl() -> timedelta:
    return timedelta(days=current_app.config.get("INVITATION_TTL_DAYS", 7))


def invite(actor: User, organization_id: int, email: str, role: str) -> tuple[Invitation, str]:
    """Invite someone by e-mail into the organisation in a role (org admins).

    Returns the invitation and its one-time token (only its hash is stored). With SMTP the
    link is mailed after commit; the caller shows it to the admin when e-mail is off. An
    open invitation to the same address is replaced. Someone who already has an account
    is also told in the app.
    """
    organization = get_organization(organization_id)
    authz.require_org_admin(actor, organization.id)
    _check_role_fits(organization, role)
    email = email.strip().lower()
    existing_user = find_user_by_email(email)
    if existing_user is not None:
        member = db.session.scalar(
            select(Membership).where(
                Membership.user_id == existing_user.id,
                Membership.organization_id == organization.id,
            )
        )
        if member is not None and member.status != MembershipStatus.PENDING:
            raise Conflict(
                "This person is a member already.",
                {"json": {"email": ["This person is a member already."]}},
            )
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.organization_id == organization.id,
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization_id=organization.id,
        email=email,
        role=role,
        token_hash=token_hash(raw),
        invited_by_id=actor.id,
        expires_at=now + _invitation_ttl(),
    )
    db.session.add(invitation)
    db.session.flush()
    if existing_user is not None:
        signals.invitation_created.send(invitation, user_id=existing_user.id)
    return invitation, raw


def invitation_link(raw: str) -> str:
    return mail.external_url("profiles_views.accept_invitation", token=raw)


def mail_invitation(invitation: Invitation, raw: str, actor: User) -> bool:
    """Send the invitation link by e-mail after commit; False when e-mail is off. Written
    in the language of the account the address belongs to, if there is one, else in the
    server's default (German)."""
    from flask_babel import force_locale, format_date, gettext

    existing = find_user_by_email(invitation.email)
    locale = existing.locale if existing is not None and existing.locale else None
    with force_locale(locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")):
        subject = gettext(
            "Invitation to %(organization)s on Exchange",
            organization=invitation.organization.name,
        )
        body = "\n\n".join(
            [
                gettext(
                    "%(name)s invites you to join %(organization)s on Exchange, the network "
                    "for housing refugees.",
                    name=actor.name,
                    organization=invitation.organization.name,
                ),
                gettext("Accept the invitation here (the link works once, until %(date)s):",
                        date=format_date(invitation.expires_at, "long")),
                invitation_link(raw),
            ]
        )
    return mail.send_after_commit(invitation.email, subject, body)


def open_invitations(actor: User, organization_id: int) -> list[Invitation]:
    """Invitations of the organisation not yet accepted or revoked (expired ones too)."""
    authz.require_org_admin(actor, organization_id)
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == organization_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.id)
        )
    )


def revoke_invitation(actor: User, organization_id: int, invitation_id: int) -> None:
    authz.require_org_admin(actor, organization_id)
    invitation = db.session.get(Invitation, invitation_id, with_for_update=True)
    if (
        invitation is None
        or invitation.organization_id != organization_id
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
    ):
        raise NotFound()
    invitation.revoked_at = utcnow()
    db.session.flush()


def _usable(invitation: Invitation | None) -> Invitation:
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound("This invitation is not valid (any more).")
    return invitation


def invitation_for_token(raw: str, lock: bool = False) -> Invitation:
    """The open, unexpired invitation of a link's token, else 404."""
    stmt = select(Invitation).where(Invitation.token_hash == token_hash(raw or ""))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return _usable(db.session.scalar(stmt))


def _join_by_invitation(invitation: Invitation, user: User) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.organization_id == invitation.organization_id,
        )
        .with_for_update()
    )
    if membership is None:
        membership = Membership(
            user=user,
            organization_id=invitation.organization_id,
            role=invitation.role,
            status=MembershipStatus.ACTIVE,
        )
        db.session.add(membership)
    elif membership.status == MembershipStatus.PENDING:
        membership.role = invitation.role
        membership.status = MembershipStatus.ACTIVE
    else:
        raise Conflict("You are a member of this organisation already.")
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    user.disabled = False
    db.session.flush()
    return membership


def accept_invitation(raw: str, name: str, password: str, address: str) -> User:
    """Accept an invitation by its link: a new account with this name and password, or,
    when the address has an account already, that account after its password is checked.
    The membership is active at once; the link is used up."""
    user = find_user_by_email(invitation_for_token(raw).email)
    if user is not None:
        # Counted like a login (the throttle commits, so the invitation is locked after).
        limits = throttle.password_limits(user.email, address)
        throttle.admit(limits)
        if not check_password(user, password):
            raise InvalidInput(
                {"password": "This address has an account already: enter its password."}
            )
        throttle.succeeded(limits, forget=second_factor_stage(user) is None)
    invitation = invitation_for_token(raw, lock=True)
    if user is None:
        _validate_password(password)
        if not name.strip():
            raise InvalidInput({"name": "Enter your name."})
        user = User(
            email=invitation.email, name=name.strip(), password_hash=hash_password(password)
        )
        db.session.add(user)
        _flush_unique_email()
    _join_by_invitation(invitation, user)
    return user


def my_invitations(user: User) -> list[Invitation]:
    """Open, unexpired invitations addressed to the user's e-mail."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                func.lower(Invitation.email) == user.email.lower(),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.id)
        )
    )


def accept_my_invitation(user: User, invitation_id: int) -> Membership:
    """A signed-in user accepts an invitation addressed to their e-mail (from the in-app
    notice); anyone else's is 404."""
    invitation = db.session.get(
        Invitation, invitation_id, with_for_update=True, populate_existing=True
    )
    if invitation is None or invitation.email.lower() != user.email.lower():
        raise NotFound()
    return _join_by_invitation(_usable(invitation), user)


# --- landlord verification ---------------------------------------------------------------

VERIFYING_KINDS = frozenset({OrganizationKind.MUNICIPALITY, OrganizationKind.DISTRICT})


def can_verify(actor: User, organization: Organization) -> bool:
    """Officials of a (verified) municipality or district verify landlords: those placed
    under an organisation (parent_id) only from within its reach, those without one
    (self-registered) from any. Platform admins may too."""
    if organization.kind != OrganizationKind.LANDLORD:
        return False
    if actor.is_platform_admin:
        return True
    offices = {
        m.organization_id
        for m in authz.active_memberships(actor)
        if m.role == Role.OFFICIAL
        and m.organization.kind in VERIFYING_KINDS
        and m.organization.verified
    }
    if not offices:
        return False
    if organization.parent_id is None:
        return True
    return organization.parent_id in authz.descendants_and_self(offices)


def decide_verification(
    actor: User, organization_id: int, decision: str, reason: str | None
) -> Organization:
    """Verify or reject a landlord organisation, with a reason (required to reject). A new
    decision replaces the last one; the organisation's members are notified."""
    organization = db.session.get(
        Organization, organization_id, with_for_update=True, populate_existing=True
    )
    if organization is None:
        raise NotFound()
    if organization.kind != OrganizationKind.LANDLORD:
        raise Conflict("Only landlord organisations are verified.")
    if not can_verify(actor, organization):
        raise Forbidden("Only an official of a municipality or district may verify landlords.")
    reason = (reason or "").strip() or None
    if decision == "reject" and reason is None:
        raise InvalidInput({"reason": "Give a reason for the rejection."})
    organization.verified = decision == "verify"
    organization.verification_reason = reason
    organization.verification_decided_at = utcnow()
    organization.verification_decided_by_id = actor.id
    db.session.flush()
    signals.organization_verification_decided.send(organization)
    return organization
