"""The directory: organisations (made by platform admins, listed and searched by
everyone signed in), their active members and the named contact person."""

from __future__ import annotations

from sqlalchemy import select

from exchange.db import escape_like, point_wkt
from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.extensions import db
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import (
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    User,
)


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
        stmt = stmt.where(Organization.name.ilike(f"%{escape_like(q)}%"))
    return page_by_id(stmt, Organization.id, limit, cursor)


def get_organization(organization_id: int) -> Organization:
    """One organisation of the directory (every signed-in user sees it), else 404."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return organization


def joinable_organizations() -> list[Organization]:
    """The organisations one may ask to join when registering (not landlord companies)."""
    return list(db.session.scalars(
        select(Organization)
        .where(Organization.kind != OrganizationKind.LANDLORD.value)
        .order_by(Organization.name)
    ))


def get_administered_organization_for(user: User, organization_id: int) -> Organization:
    """The organisation, for its admins (and platform admins); 404 for anyone else."""
    organization = db.session.get(Organization, organization_id)
    if organization is None or not authz.is_org_admin(user, organization.id):
        raise NotFound()
    return organization


def may_list_members(actor: User, organization_id: int) -> bool:
    """Member lists (names, roles, functions) are for staff of verified public
    organisations, platform admins and the organisation's own active members; not for
    landlords (an unverified self-registered one least of all)."""
    return (
        actor.is_platform_admin
        or authz.is_staff(actor)
        or any(m.organization_id == organization_id for m in authz.active_memberships(actor))
    )


def get_members_for(actor: User, organization_id: int) -> list[Membership]:
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
