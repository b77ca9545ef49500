"""Invitations: an organisation's admins invite by e-mail into a role with a one-time
link (stored as its sha256); the link makes a new account or joins an existing one, and a
signed-in user accepts those addressed to them."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import func, select, update

from exchange import mail, signals
from exchange.db import utcnow
from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.extensions import db
from exchange.profiles import authz, throttle
from exchange.profiles.accounts import find_user_by_email, flush_unique_email
from exchange.profiles.memberships import check_role_fits
from exchange.profiles.models import Invitation, Membership, MembershipStatus, User
from exchange.profiles.organizations import get_organization
from exchange.profiles.passwords import check_password, hash_password, validate_password
from exchange.profiles.second_factor import second_factor_stage
from exchange.profiles.tokens import token_hash


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
    check_role_fits(organization, role)
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
    """The link that accepts an invitation, with its one-time token."""
    return mail.external_url("profiles_views.accept_invitation", token=raw)


def mail_invitation(invitation: Invitation, raw: str, actor: User) -> bool:
    """Send the invitation link by e-mail after commit; False when e-mail is off. Written
    in the language of the account the address belongs to, if there is one, else in the
    server's default (German)."""
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
    """Revoke an open invitation (org admins): its link stops working."""
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
        validate_password(password)
        if not name.strip():
            raise InvalidInput({"name": "Enter your name."})
        user = User(
            email=invitation.email, name=name.strip(), password_hash=hash_password(password)
        )
        db.session.add(user)
        flush_unique_email()
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
