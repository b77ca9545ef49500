"""The directory's people: who finds whom by name, function or organisation, and how each
person can be reached (the e-mail address if its owner shows it, the phone number if
given, a direct message where chat allows one).

Who is listed: active members (active membership, account not disabled). Staff of
verified public organisations and platform admins find them in every organisation (as
they may list every organisation's members); anyone else (landlords) finds the named
contact persons of the organisations and the members of their own organisations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from exchange.db import escape_like
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, User

#: Words of a search taken into account (each must match name, function or organisation).
MAX_TERMS = 6


@dataclass
class Person:
    """One person in one organisation, as the viewer may reach them."""

    membership: Membership
    email: str | None
    phone: str | None
    can_message: bool
    is_contact: bool


def reach(viewer: User, membership: Membership) -> Person:
    """How the viewer can reach the member: e-mail when its owner shows it or the
    organisation named them its contact person (to be reached from outside), phone when
    given, a message when both may talk to anyone in chat (a direct room)."""
    user = membership.user
    is_contact = membership.organization.contact_user_id == user.id
    return Person(
        membership=membership,
        email=user.email if user.show_email or is_contact else None,
        phone=user.phone.strip() or None,
        can_message=(viewer.id != user.id and authz.talks_to_anyone(viewer)
                     and authz.talks_to_anyone(user)),
        is_contact=is_contact,
    )


def _visible_to(viewer: User) -> ColumnElement[bool]:
    """Which memberships the viewer finds (see the module's docstring)."""
    listed = and_(Membership.status == MembershipStatus.ACTIVE, User.disabled.is_(False))
    if viewer.is_platform_admin or authz.is_staff(viewer):
        return listed
    own = [m.organization_id for m in authz.active_memberships(viewer)]
    return and_(listed, or_(Membership.organization_id.in_(own),
                            Organization.contact_user_id == Membership.user_id))


def _matches(term: str) -> ColumnElement[bool]:
    """A word found in the name, the function or the organisation's name, with or
    without diacritics ("Burgermeister" finds "Bürgermeister")."""
    pattern = func.unaccent(f"%{escape_like(term)}%")
    return or_(*(func.unaccent(column).ilike(pattern)
                 for column in (User.name, Membership.function, Organization.name)))


def search_people(
    viewer: User,
    q: str | None,
    kind: str | None = None,
    ags: str | None = None,
    limit: int = 50,
) -> list[Person]:
    """People the viewer may find, each word of ``q`` matching their name, function or
    organisation; filtered by the organisation's kind and region (an AGS prefix) like
    the directory's organisations; ordered by name."""
    stmt = (
        select(Membership)
        .join(Membership.user)
        .join(Membership.organization)
        .where(_visible_to(viewer))
        .options(
            # For "may they take part in chat": the person's roles everywhere.
            contains_eager(Membership.user).selectinload(User.memberships)
            .joinedload(Membership.organization),
            contains_eager(Membership.organization),
        )
        .order_by(User.name, Organization.name, Membership.id)
        .limit(limit)
    )
    for term in (q or "").split()[:MAX_TERMS]:
        stmt = stmt.where(_matches(term))
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if ags:
        stmt = stmt.where(Organization.ags.startswith(ags, autoescape=True))
    return [reach(viewer, membership) for membership in db.session.scalars(stmt).unique()]
