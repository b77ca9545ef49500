"""Memberships: an organisation's admins approve and reject join requests, change roles,
disable and re-enable members (what a membership gave stops at once), and see their
organisations' figures on the start page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from exchange import signals
from exchange.errors import Conflict, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.login_sessions import end_sessions_without_second_factor, end_user_access
from exchange.profiles.models import (
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from exchange.profiles.organizations import get_organization

PUBLIC_ROLES = {Role.ADMIN, Role.OFFICIAL, Role.CASEWORKER}

LANDLORD_ORG_ROLES = {Role.ADMIN, Role.LANDLORD}


def check_role_fits(organization: Organization, role: str) -> None:
    """A landlord organisation has admins and landlords, a public one admins, officials
    and caseworkers; any other role is 422."""
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
        check_role_fits(organization, role)
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
        end_sessions_without_second_factor(user)
    db.session.flush()
    return membership


def set_own_function(user: User, organization_id: int, function: str) -> Membership:
    """One's own job title in an organisation one is an active member of, shown in the
    directory ("Bürgermeister"); empty clears it. The organisation's admins may change it
    too (update_member). 404 for any other organisation."""
    membership = next((m for m in authz.active_memberships(user)
                       if m.organization_id == organization_id), None)
    if membership is None:
        raise NotFound()
    membership.function = function.strip() or None
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


def memberships_of(actor: User, organization_id: int, status: str | None) -> list[Membership]:
    """Members of an organisation by status (``None``: all), for its admins."""
    authz.require_org_admin(actor, organization_id)
    stmt = select(Membership).join(User).where(Membership.organization_id == organization_id)
    if status:
        stmt = stmt.where(Membership.status == status)
    return list(db.session.scalars(stmt.order_by(User.name, Membership.id)))


@dataclass
class AdminRow:
    organization: Organization
    members: int
    pending: int


def admin_figures(user: User) -> list[AdminRow]:
    """Per organisation the user administers: active members and pending requests (the
    admins' block of the start page)."""
    ids = sorted(authz.organizations_with_role(user, {Role.ADMIN}))
    if not ids:
        return []
    counts = {
        (org_id, str(status)): n
        for org_id, status, n in db.session.execute(
            select(Membership.organization_id, Membership.status, func.count())
            .where(Membership.organization_id.in_(ids))
            .group_by(Membership.organization_id, Membership.status)
        )
    }
    organizations = db.session.scalars(
        select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)
    )
    return [
        AdminRow(org, counts.get((org.id, MembershipStatus.ACTIVE.value), 0),
                 counts.get((org.id, MembershipStatus.PENDING.value), 0))
        for org in organizations
    ]
