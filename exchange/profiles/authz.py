"""The one authorization module every domain uses.

It answers: which organisations does the current user belong to, in which roles, and which
organisations lie within their reach (an organisation and everything below it in the AGS
tree: a district reaches its municipalities). Services call these and raise NotFound for
what lies outside the caller's reach, Forbidden for what is visible but not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import aliased

from exchange.errors import Forbidden, NotFound, Unauthorized
from exchange.extensions import db
from exchange.profiles.models import Membership, MembershipStatus, Organization, Role, User

STAFF_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.CASEWORKER})
#: Roles that must sign in with a second factor: caseworkers see persons, admins administer.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.CASEWORKER})
PUBLIC_KINDS = frozenset({"state", "district", "municipality", "provider"})
#: Kinds of organisation that run shelters, beds and a person registry (never a landlord
#: company, nor the state, which only sees the counts below it).
CAPACITY_KINDS = frozenset({"district", "municipality", "provider"})


def require_user(user: User | None) -> User:
    """The signed-in user, or 401."""
    if user is None or not getattr(user, "is_authenticated", False) or user.disabled:
        raise Unauthorized()
    return user


def active_memberships(user: User) -> list[Membership]:
    """The user's memberships that are active."""
    return [m for m in user.memberships if m.status == MembershipStatus.ACTIVE]


def roles_of(user: User) -> set[str]:
    """The roles the user holds in an active membership, in any organisation."""
    return {str(m.role) for m in active_memberships(user)}


def roles_in(user: User, organization_id: int) -> set[str]:
    """The user's active roles in exactly this organisation."""
    return {m.role for m in active_memberships(user) if m.organization_id == organization_id}


def has_role(user: User, organization_id: int, roles: Iterable[str]) -> bool:
    return bool(roles_in(user, organization_id) & set(roles))


def is_org_admin(user: User, organization_id: int) -> bool:
    """Org admins administer their own organisation; platform admins administer all."""
    return user.is_platform_admin or has_role(user, organization_id, {Role.ADMIN})


def require_org_admin(user: User, organization_id: int) -> None:
    if not is_org_admin(user, organization_id):
        raise Forbidden("Only an administrator of this organisation may do this.")


def require_platform_admin(user: User) -> None:
    if not user.is_platform_admin:
        raise Forbidden("Only a platform administrator may do this.")


def is_staff(user: User) -> bool:
    """Officials, caseworkers and org admins of a verified public organisation."""
    return any(
        m.role in STAFF_ROLES and m.organization.kind in PUBLIC_KINDS and m.organization.verified
        for m in active_memberships(user)
    )


def talks_to_anyone(user: User) -> bool:
    """Platform admins and staff may open conversations with anyone (a direct room in
    chat); everyone else talks only about their own listings. Chat's access rules and the
    directory's "write a message" both ask this."""
    return user.is_platform_admin or is_staff(user)


def requires_second_factor(user: User) -> bool:
    """Whether the user must sign in with TOTP: anyone who can see persons (caseworkers) or
    administers an organisation (org admins, platform admins). Active memberships count;
    a membership approved later makes the user's password-only sessions end."""
    return user.is_platform_admin or any(
        m.role in SECOND_FACTOR_ROLES for m in active_memberships(user)
    )


def is_landlord_only(user: User) -> bool:
    """True when all the user can act as is a landlord (no staff role anywhere)."""
    return not user.is_platform_admin and not is_staff(user)


def organizations_with_role(user: User, roles: Iterable[str]) -> set[int]:
    """Organisations in which the user holds one of the roles (not those below them)."""
    wanted = set(roles)
    return {m.organization_id for m in active_memberships(user) if m.role in wanted}


def descendants_and_self(
    organization_ids: Iterable[int], kinds: Iterable[str] | None = None
) -> set[int]:
    """The organisations and every organisation below them (recursive, in the database);
    with ``kinds``, only those of these kinds."""
    roots = list(set(organization_ids))
    if not roots:
        return set()
    tree = select(Organization.id).where(Organization.id.in_(roots)).cte(recursive=True)
    child = aliased(Organization)
    tree = tree.union(select(child.id).where(child.parent_id == tree.c.id))
    query = select(tree.c.id)
    if kinds is not None:
        query = (select(Organization.id).join(tree, tree.c.id == Organization.id)
                 .where(Organization.kind.in_(sorted(kinds))))
    return set(db.session.scalars(query))


def scope(user: User, roles: Iterable[str], kinds: Iterable[str] | None = None) -> set[int]:
    """Organisation ids within the user's reach in these roles: their own and those below
    (with ``kinds``, only those of these kinds).

    A caseworker of a district reaches the district and its municipalities; a caseworker
    of a municipality reaches just that municipality.
    """
    return descendants_and_self(organizations_with_role(user, roles), kinds)


def in_scope(user: User, organization_id: int, roles: Iterable[str]) -> bool:
    return organization_id in scope(user, roles)


def get_in_scope_or_404(user: User, model: type, object_id: int, roles: Iterable[str],
                        kinds: Iterable[str] | None = None):
    """Load a row owned by an organisation (``organization_id``) if the user reaches it
    (in an organisation of one of ``kinds``, when given).

    Anything missing or outside the user's reach answers 404, whatever id was sent.
    """
    row = db.session.get(model, object_id)
    if row is None or row.organization_id not in scope(user, roles, kinds):
        raise NotFound()
    return row
