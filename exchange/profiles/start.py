"""The start page per role: which blocks a user sees, and the admins' block.

Each block's data is built in the domain that owns it (``exchange.listings.start``,
``exchange.capacity.start``, chat's ``unread_total``). Profiles sits below those domains,
so the start page view imports them inside the function, not at module level (no import
cycle); this module itself imports only profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, Role, User


def roles_of(user: User) -> set[str]:
    """The roles the user holds in an active membership."""
    return {str(m.role) for m in authz.active_memberships(user)}


@dataclass
class AdminRow:
    organization: Organization
    members: int
    pending: int


def admin_figures(user: User) -> list[AdminRow]:
    """Per organisation the user administers: active members and pending requests."""
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
