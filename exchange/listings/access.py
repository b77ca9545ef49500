"""Who may see and manage which listing (API.md, "Listings").

- the owner's side (the owner, and active members of the owning organisation) sees all of
  its listings, drafts included, with the exact address and the owner's contact;
- staff (officials, caseworkers and org admins of a verified public organisation) see
  published listings (and reserved ones, so nobody books them twice) of everyone;
- of those, only officials see the exact street address and contact; everyone else gets
  the location rounded to about 500 m and no street;
- landlords (and everyone else) see their own side only. Anything else answers 404.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import OrganizationKind, Role, User

from .models import Listing, ListingKind, ListingStatus

S = ListingStatus

#: Statuses that staff of other organisations may see (reserved stays on the map so that
#: no one else books it).
STAFF_VISIBLE = frozenset({S.PUBLISHED, S.RESERVED})
#: Roles that may edit and change the status of their organisation's listings.
MANAGER_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.LANDLORD})
#: Roles that may create listings: (organisation kind is landlord?) → roles.
CREATOR_ROLES = {True: {Role.ADMIN, Role.LANDLORD}, False: {Role.ADMIN, Role.OFFICIAL}}

#: Rounding for those who may not see the exact address: a grid of about 500 m.
APPROXIMATE_GRID_M = 500.0
METRES_PER_DEGREE = 111_320.0


def member_organizations(user: User) -> set[int]:
    """Organisations in which the user has an active membership, in any role."""
    return {m.organization_id for m in authz.active_memberships(user)}


def is_official(user: User) -> bool:
    """An official of a verified public organisation: sees exact addresses, reserves, flags."""
    return any(
        m.role == Role.OFFICIAL
        and m.organization.kind in authz.PUBLIC_KINDS
        and m.organization.verified
        for m in authz.active_memberships(user)
    )


def is_owner_side(user: User, listing: Listing) -> bool:
    """The owner, or a member of the owning organisation."""
    return listing.owner_id == user.id or listing.organization_id in member_organizations(user)


def may_see(user: User, listing: Listing) -> bool:
    """The owner's side always; staff the statuses staff see."""
    if is_owner_side(user, listing):
        return True
    return listing.status in STAFF_VISIBLE and authz.is_staff(user)


def may_see_exact(user: User, listing: Listing) -> bool:
    """The exact street address, location and owner contact."""
    return exact_view(user)(listing)


def exact_view(user: User) -> Callable[[Listing], bool]:
    """`may_see_exact` for many listings, with the user's memberships read once."""
    if is_official(user):
        return lambda listing: True
    organizations = member_organizations(user)
    return lambda listing: listing.owner_id == user.id or listing.organization_id in organizations


def may_manage(user: User, listing: Listing) -> bool:
    """Edit, publish, withdraw, let, confirm: the owner or a manager of the organisation."""
    return listing.owner_id == user.id or authz.has_role(
        user, listing.organization_id, MANAGER_ROLES
    )


def may_reserve(user: User, listing: Listing) -> bool:
    """Reserve a listing (to house someone there): officials."""
    return is_official(user)


def may_flag(user: User, listing: Listing) -> bool:
    """Report a listing as no longer available: officials."""
    return is_official(user)


def creator_organizations(user: User, kind: str) -> set[int]:
    """Organisations in whose name the user may create a listing of this kind."""
    allowed = set()
    for m in authz.active_memberships(user):
        landlord_org = m.organization.kind == OrganizationKind.LANDLORD
        if kind == ListingKind.BEDS and landlord_org:
            continue
        if m.role in CREATOR_ROLES[landlord_org]:
            allowed.add(m.organization_id)
    return allowed


def get_listing_for(viewer: User, listing_id: int) -> Listing:
    """One listing the viewer may see, else 404."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not may_see(viewer, listing):
        raise NotFound()
    return listing


def lock_listing_for(viewer: User, listing_id: int) -> Listing:
    """The listing, locked for this transaction (SELECT … FOR UPDATE), if the viewer sees
    it, else 404."""
    listing = db.session.scalar(
        select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if listing is None or not may_see(viewer, listing):
        raise NotFound()
    return listing


def get_published_listing_for(viewer: User, listing_id: int) -> Listing:
    """One published listing the viewer may see (OGC items/{id}, a transfer), else 404."""
    listing = get_listing_for(viewer, listing_id)
    if listing.status != S.PUBLISHED:
        raise NotFound()
    return listing


def visible_clause(viewer: User, status: str | None = None) -> ColumnElement[bool]:
    """SQL condition: listings the viewer may see (given the status the query asks for)."""
    reach, params = visibility(viewer, status)
    return visibility_sql(reach, params, params.__getitem__)


def visibility(viewer: User, status: str | None) -> tuple[str, dict[str, Any]]:
    """Which listings the viewer may see: ``all`` (staff asking for a status staff see),
    ``own`` (their own and their organisations'), or ``own+staff`` (own, and the statuses
    staff see); with the values that takes."""
    staff = authz.is_staff(viewer)
    if staff and status in STAFF_VISIBLE:
        return "all", {}  # the status condition already says it all
    params: dict[str, Any] = {"viewer_id": viewer.id}
    if organizations := member_organizations(viewer):
        params["viewer_organizations"] = sorted(organizations)
    return ("own+staff" if staff else "own"), params


def visibility_sql(
    reach: str, params: Container[str], value: Callable[[str], Any]
) -> ColumnElement[bool]:
    """The condition of a `visibility` answer; ``value(name)`` gives each value (itself, or
    a bind parameter standing for it)."""
    if reach == "all":
        return true()
    own = Listing.owner_id == value("viewer_id")
    if "viewer_organizations" in params:
        own = or_(own, Listing.organization_id.in_(value("viewer_organizations")))
    if reach == "own+staff":
        return or_(own, Listing.status.in_(sorted(STAFF_VISIBLE)))
    return own


def approximate(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~500 m grid cell a point lies in (the same for every point in it)."""
    lat_step = APPROXIMATE_GRID_M / METRES_PER_DEGREE
    lat_r = round(lat / lat_step) * lat_step
    lon_step = lat_step / max(math.cos(math.radians(lat_r)), 0.01)
    lon_r = round(lon / lon_step) * lon_step
    return round(max(min(lat_r, 90.0), -90.0), 5), round(max(min(lon_r, 180.0), -180.0), 5)
