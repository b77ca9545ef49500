"""Finding people to open a room with."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select

from exchange.chat.access import may_take_part_anywhere
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, User


class Person(NamedTuple):
    """Someone found, with the name of their organisation (the one they are staff of)."""

    user: User
    organization: str


#: At most this many people are suggested for a search.
PEOPLE_LIMIT = 20


def find_people(actor: User, q: str, limit: int = PEOPLE_LIMIT) -> list[Person]:
    """People a staff member may open a room with: active staff of verified public
    organisations whose name or e-mail contains ``q``; with their organisation's
    name. Landlords open rooms only about their listings, with the people there: 403."""
    authz.require_user(actor)
    if not may_take_part_anywhere(actor):
        raise Forbidden("Only staff open rooms with others.")
    q = q.strip()
    rows = db.session.execute(
        select(User, Organization.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(
            User.disabled.is_(False),
            User.id != actor.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(sorted(authz.STAFF_ROLES)),
            Organization.kind.in_(sorted(authz.PUBLIC_KINDS)),
            Organization.verified.is_(True),
            or_(User.name.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True)),
        )
        .order_by(User.name, User.id, Organization.name)
        .limit(limit * 3)
    ).all()
    people: dict[int, Person] = {}
    for user, organization in rows:
        people.setdefault(user.id, Person(user, organization))
    return list(people.values())[:limit]
