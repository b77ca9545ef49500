"""Accounts: sign-in with a password, self-registration, one's own profile, public
profiles and the platform admin made from the command line."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from exchange import mail
from exchange.errors import InvalidInput, NotFound, Text, Unauthorized
from exchange.extensions import db
from exchange.profiles import throttle
from exchange.profiles.models import (
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from exchange.profiles.passwords import burn_time, check_password, hash_password, validate_password
from exchange.profiles.second_factor import second_factor_stage

# Every request needs the user's memberships and their organisations (authz): load them
# with the user in one round trip instead of two lazy loads.
WITH_MEMBERSHIPS = (joinedload(User.memberships).joinedload(Membership.organization),)


def find_user_by_email(email: str) -> User | None:
    """The account of an e-mail address (any case), or None."""
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
        burn_time(password)
    if user is None or not check_password(user, password) or user.disabled:
        raise Unauthorized("E-mail or password is wrong.")
    throttle.succeeded(limits, forget=second_factor_stage(user) is None)
    return user


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
    validate_password(password)
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
    flush_unique_email()
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


def flush_unique_email() -> None:
    # Two registrations racing for one e-mail: the unique index decides (a 409, see
    # exchange.errors.conflict_from_integrity_error).
    """Flush a new account; the unique index on the e-mail decides a race."""
    db.session.flush()


def update_profile(user: User, changes: dict) -> User:
    """Change one's own profile fields (already validated by the schema)."""
    for field in ("name", "bio", "phone", "languages", "topics", "locale", "email_notifications",
                  "email_muted_kinds", "show_email"):
        if field in changes:
            setattr(user, field, changes[field])
    db.session.flush()
    return user


def get_user(user_id: int) -> User:
    """Someone's public profile; 404 for a missing or disabled account."""
    user = db.session.get(User, user_id)
    if user is None or user.disabled:
        raise NotFound()
    return user


def create_admin(email: str, password: str, name: str | None = None) -> User:
    """Make (or promote) a platform admin; used by `exchange create-admin`."""
    validate_password(password)
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email.strip().lower(), name=name or email.split("@")[0])
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_platform_admin = True
    db.session.flush()
    return user
