"""Listings: every write and rule of the listings domain, the map search and its clusters.

Who sees what (API.md, "Listings"):
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
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from flask import current_app
from geoalchemy2 import Geography, Geometry
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Row,
    Select,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import joinedload

from exchange import signals
from exchange.db import point_wkt, utcnow
from exchange.documents import services as documents
from exchange.documents.filetypes import IMAGE_TYPES
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.listings import emails  # noqa: F401  (sends notices by e-mail, see there)
from exchange.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, id_cursor, is_id
from exchange.profiles import authz
from exchange.profiles.models import (
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    Role,
    User,
)

from .models import (
    AttachmentKind,
    BedsSource,
    Listing,
    ListingCell,
    ListingDocument,
    ListingKind,
    ListingStatus,
    Notification,
    SavedSearch,
)

S = ListingStatus

#: Statuses that staff of other organisations may see (reserved stays on the map so that
#: no one else books it).
STAFF_VISIBLE = frozenset({S.PUBLISHED, S.RESERVED})
#: Roles that may edit and change the status of their organisation's listings.
MANAGER_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.LANDLORD})
#: Roles that may create listings: (organisation kind is landlord?) → roles.
CREATOR_ROLES = {True: {Role.ADMIN, Role.LANDLORD}, False: {Role.ADMIN, Role.OFFICIAL}}

#: The status machine: action → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({S.DRAFT, S.WITHDRAWN, S.EXPIRED}), S.PUBLISHED),
    "reserve": (frozenset({S.PUBLISHED}), S.RESERVED),
    "let": (frozenset({S.RESERVED}), S.LET),
    "withdraw": (frozenset({S.PUBLISHED, S.RESERVED}), S.WITHDRAWN),
    "expire": (frozenset({S.PUBLISHED}), S.EXPIRED),
}
#: The socket event each action announces (Socket.IO `listing`).
TRANSITION_EVENTS = {
    "publish": "published",
    "reserve": "updated",
    "let": "updated",
    "withdraw": "withdrawn",
    "expire": "withdrawn",
}
PAST_TENSE = {
    "publish": "published",
    "reserve": "reserved",
    "let": "let",
    "withdraw": "withdrawn",
    "expire": "expired",
}
# The words for a status in error messages, in the reader's language (exchange.errors.Text).
_WORDS = {
    "draft": Text("draft"),
    "published": Text("published"),
    "reserved": Text("reserved"),
    "let": Text("let"),
    "withdrawn": Text("withdrawn"),
    "expired": Text("expired"),
}


def _word(status: str) -> str:
    return _WORDS.get(status, status)


FLAT_FIELDS = (
    "rooms",
    "area_m2",
    "max_occupants",
    "rent_cold",
    "utilities",
    "available_from",
    "available_until",
    "furnished",
    "accessible",
    "pets_allowed",
)
BEDS_FIELDS = ("free_beds", "beds_by_policy", "accessible_beds", "valid_until", "shelter_id")
COMMON_FIELDS = ("title", "description", "address", "location")
POLICIES = ("male", "female", "family", "mixed")

#: Rounding for those who may not see the exact address: a grid of about 500 m.
APPROXIMATE_GRID_M = 500.0
_METRES_PER_DEGREE = 111_320.0

#: Cluster grid levels kept by the listings_cells trigger (migration 0003): cell size is
#: 360 / 2**level degrees. Above the finest level, clusters are computed from the rows.
CELL_LEVELS = range(3, 17)
MAX_CLUSTERS = 500


# --- who may do what ---------------------------------------------------------------------


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
    return listing.owner_id == user.id or listing.organization_id in member_organizations(user)


def can_see(user: User, listing: Listing) -> bool:
    if is_owner_side(user, listing):
        return True
    return listing.status in STAFF_VISIBLE and authz.is_staff(user)


def sees_exact(user: User, listing: Listing) -> bool:
    """The exact street address, location and owner contact."""
    return exact_view(user)(listing)


def exact_view(user: User) -> Callable[[Listing], bool]:
    """`sees_exact` for many listings, with the user's memberships read once."""
    if is_official(user):
        return lambda listing: True
    organizations = member_organizations(user)
    return lambda listing: listing.owner_id == user.id or listing.organization_id in organizations


def can_manage(user: User, listing: Listing) -> bool:
    """Edit, publish, withdraw, let, confirm: the owner or a manager of the organisation."""
    return listing.owner_id == user.id or authz.has_role(
        user, listing.organization_id, MANAGER_ROLES
    )


def visible_clause(viewer: User, status: str | None = None) -> ColumnElement[bool]:
    """SQL condition: listings the viewer may see (given the status the query asks for)."""
    reach, params = _visibility(viewer, status)
    return _visibility_sql(reach, params, params.__getitem__)


def _visibility(viewer: User, status: str | None) -> tuple[str, dict[str, Any]]:
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


def _visibility_sql(
    reach: str, params: Container[str], value: Callable[[str], Any]
) -> ColumnElement[bool]:
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
    lat_step = APPROXIMATE_GRID_M / _METRES_PER_DEGREE
    lat_r = round(lat / lat_step) * lat_step
    lon_step = lat_step / max(math.cos(math.radians(lat_r)), 0.01)
    lon_r = round(lon / lon_step) * lon_step
    return round(max(min(lat_r, 90.0), -90.0), 5), round(max(min(lon_r, 180.0), -180.0), 5)


# --- reading -----------------------------------------------------------------------------


def get_listing(viewer: User, listing_id: int) -> Listing:
    """One listing the viewer may see, else 404."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not can_see(viewer, listing):
        raise NotFound()
    return listing


def _lock(viewer: User, listing_id: int) -> Listing:
    """The listing, locked for this transaction (SELECT … FOR UPDATE), if the viewer sees it."""
    listing = db.session.scalar(
        select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if listing is None or not can_see(viewer, listing):
        raise NotFound()
    return listing


# --- writing -----------------------------------------------------------------------------


def _creator_organizations(user: User, kind: str) -> set[int]:
    """Organisations in whose name the user may create a listing of this kind."""
    allowed = set()
    for m in authz.active_memberships(user):
        landlord_org = m.organization.kind == OrganizationKind.LANDLORD
        if kind == ListingKind.BEDS and landlord_org:
            continue
        if m.role in CREATOR_ROLES[landlord_org]:
            allowed.add(m.organization_id)
    return allowed


def _check_kind_fields(kind: str, values: dict) -> None:
    """Fields of the other kind are refused, each by name."""
    foreign = BEDS_FIELDS if kind == ListingKind.FLAT else FLAT_FIELDS
    errors = {
        name: Text("Only for listings of kind %(kind)s.",
                   kind="beds" if kind == ListingKind.FLAT else "flat")
        for name in foreign
        if name in values
    }
    if errors:
        raise InvalidInput(errors)


def _apply_fields(listing: Listing, values: dict) -> None:
    for name, value in values.items():
        if name == "address":
            for part in ("street", "postal_code", "city"):
                if part in value:
                    setattr(listing, part, value[part] if value[part] is not None else "")
        elif name == "location":
            listing.location = point_wkt(value["lat"], value["lon"])
        elif name == "beds_by_policy":
            for policy in POLICIES:
                if policy in (value or {}):
                    setattr(listing, f"beds_{policy}", value[policy])
        else:
            setattr(listing, name, value)


def _check_consistency(listing: Listing) -> None:
    """Rules across fields, on the listing as it will be stored."""
    errors: dict[str, str] = {}
    if listing.kind == ListingKind.FLAT:
        if listing.max_occupants is None:
            errors["max_occupants"] = "Missing data for required field."
        if (
            listing.available_from is not None
            and listing.available_until is not None
            and listing.available_until < listing.available_from
        ):
            errors["available_until"] = "Must not be before available_from."
    else:
        if listing.free_beds is None:
            errors["free_beds"] = "Missing data for required field."
    if errors:
        raise InvalidInput(errors)


def create_listing(
    actor: User,
    values: dict,
    *,
    organization_id: int | None = None,
    publish: bool = False,
    source: str = BedsSource.MANUAL,
) -> Listing:
    """A new listing as a draft (or published at once with ``publish``).

    Landlords create flats in their landlord organisation; officials (and org admins)
    create flats and beds for their public organisation. ``values`` holds the fields as
    the API takes them (``address`` and ``location`` as dictionaries).
    """
    kind = values["kind"]
    allowed = _creator_organizations(actor, kind)
    if not allowed:
        if kind == ListingKind.BEDS and _creator_organizations(actor, ListingKind.FLAT):
            raise Forbidden("Only officials announce free beds.")
        raise Forbidden("Only landlords and officials may create listings.")
    if organization_id is None:
        if len(allowed) > 1:
            raise InvalidInput(
                {"organization_id": "You belong to several organisations: choose one."}
            )
        (organization_id,) = allowed
    elif organization_id not in allowed:
        raise Forbidden("You may not create listings for this organisation.")
    fields_ = {k: v for k, v in values.items() if k != "kind"}
    _check_kind_fields(kind, fields_)
    listing = Listing(
        kind=kind,
        status=S.DRAFT,
        organization_id=organization_id,
        owner_id=actor.id,
        source=source if kind == ListingKind.BEDS else None,
        description="",
        street="",
    )
    _apply_fields(listing, fields_)
    _check_consistency(listing)
    db.session.add(listing)
    db.session.flush()
    if publish:
        _transition(listing, "publish", actor)
    else:
        _announce(listing, "updated", previous_status=None)
    return listing


def update_listing(actor: User, listing_id: int, changes: dict) -> Listing:
    """Change a listing's fields: its owner, or a manager of the owning organisation."""
    listing = _lock(actor, listing_id)
    if not can_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may edit.")
    _check_kind_fields(listing.kind, changes)
    _apply_fields(listing, changes)
    _check_consistency(listing)
    db.session.flush()
    _announce(listing, "updated", previous_status=listing.status)
    return listing


def change_status(actor: User, listing_id: int, action: str) -> Listing:
    """publish, withdraw, let (owner side) or reserve (an official); 409 when illegal."""
    if action not in TRANSITIONS or action == "expire":
        raise NotFound()
    listing = _lock(actor, listing_id)
    if action == "reserve":
        if not is_official(actor):
            raise Forbidden("Only officials reserve listings.")
    elif not can_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    _transition(listing, action, actor)
    return listing


def _transition(listing: Listing, action: str, actor: User | None, now: datetime | None = None):
    allowed, target = TRANSITIONS[action]
    if listing.status not in allowed:
        message = Text("A %(status)s listing cannot be %(action)s.",
                       status=_word(listing.status), action=_word(PAST_TENSE[action]))
        raise Conflict(message, {"json": {"status": [message]}})
    now = now or utcnow()
    previous = listing.status
    listing.status = target
    if target == S.PUBLISHED:
        listing.listed_at = now
        listing.reserved_at = None
        listing.reserved_by_id = None
        _renew(listing, now)
    elif action == "reserve":
        listing.reserved_at = now
        listing.reserved_by_id = actor.id if actor else None
    db.session.flush()
    _announce(listing, TRANSITION_EVENTS[action], previous_status=previous)
    if target == S.PUBLISHED:
        _notify_saved_searches(listing)


def _renew(listing: Listing, now: datetime) -> None:
    """Start a new availability period: confirmed now, expiring after LISTING_TTL_DAYS.

    Announcements kept by the registry are current by construction and never expire.
    """
    listing.confirmed_at = now
    listing.expires_at = (
        None
        if listing.source == BedsSource.REGISTRY
        else now + timedelta(days=current_app.config["LISTING_TTL_DAYS"])
    )
    listing.reminded_at = None
    listing.flagged_at = None
    listing.flag_reason = None
    listing.flagged_by_id = None


def confirm_listing(actor: User, listing_id: int) -> Listing:
    """The owner says "still available": renews ``expires_at`` and clears a flag."""
    listing = _lock(actor, listing_id)
    if not can_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may confirm.")
    if listing.status != S.PUBLISHED:
        message = Text("Only published listings are confirmed; this one is %(status)s.",
                       status=_word(listing.status))
        raise Conflict(message, {"json": {"status": [message]}})
    _renew(listing, utcnow())
    db.session.flush()
    _announce(listing, "updated", previous_status=listing.status)
    return listing


def flag_listing(actor: User, listing_id: int, reason: str) -> Listing:
    """An official reports a listing as no longer available: the owner is asked to confirm
    or withdraw, and the listing expires within LISTING_REMINDER_DAYS unless confirmed."""
    listing = _lock(actor, listing_id)
    if not is_official(actor):
        raise Forbidden("Only officials flag listings.")
    if listing.status != S.PUBLISHED:
        message = Text("Only published listings can be flagged; this one is %(status)s.",
                       status=_word(listing.status))
        raise Conflict(message, {"json": {"status": [message]}})
    if listing.flagged_at is not None:
        return listing  # the owner has been asked already
    now = utcnow()
    listing.flagged_at = now
    listing.flag_reason = reason.strip()
    listing.flagged_by_id = actor.id
    deadline = now + timedelta(days=current_app.config["LISTING_REMINDER_DAYS"])
    if listing.expires_at is None or listing.expires_at > deadline:
        listing.expires_at = deadline
    listing.reminded_at = now
    db.session.flush()
    for user_id in _owner_recipients(listing):
        notify(
            user_id,
            "listing_flagged",
            {
                **_listing_ref(listing),
                "reason": listing.flag_reason,
                "expires_at": listing.expires_at.isoformat(),
            },
        )
    _announce(listing, "updated", previous_status=listing.status)
    return listing


def _announce(listing: Listing, event: str, previous_status: str | None) -> None:
    signals.listing_changed.send(listing, event=event, previous_status=previous_status)


# --- announcements kept by the capacity registry -----------------------------------------


def sync_registry_listing(
    listing_id: int | None,
    *,
    organization_id: int,
    shelter_id: int,
    values: dict,
    publish: bool,
) -> Listing | None:
    """Create or update the `beds` listing that the capacity registry keeps for a shelter
    (source registry, no owner, never expiring), in the caller's transaction.

    ``values`` holds common and beds fields as the API takes them (title, address,
    location, free_beds, beds_by_policy, accessible_beds). With ``publish`` the listing is
    put on the map (created when ``listing_id`` is None); without, it is withdrawn. No
    actor: the capacity services have checked who may change the shelter. Announced like
    every listing change (unchanged figures are not written again). None when there is
    nothing to publish or withdraw. Only organisations that hold capacity
    (authz.CAPACITY_KINDS) may publish one: never a landlord company (403).
    """
    if publish:
        holder = db.session.get(Organization, organization_id)
        if holder is None or holder.kind not in authz.CAPACITY_KINDS:
            raise Forbidden("Only districts, municipalities and providers run shelters "
                            "and a person registry.")
    if listing_id is None:
        if not publish:
            return None
        listing = Listing(
            kind=ListingKind.BEDS,
            status=S.DRAFT,
            organization_id=organization_id,
            owner_id=None,
            source=BedsSource.REGISTRY,
            shelter_id=shelter_id,
            description="",
            street="",
        )
        db.session.add(listing)
        previous = None
    else:
        listing = db.session.scalar(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if listing is None:
            raise NotFound()
        previous = listing.status
    _apply_fields(listing, values)
    _check_consistency(listing)
    changed = listing in db.session.new or db.session.is_modified(listing)
    db.session.flush()
    if publish and listing.status in TRANSITIONS["publish"][0]:
        _transition(listing, "publish", None)
    elif not publish and listing.status in TRANSITIONS["withdraw"][0]:
        _transition(listing, "withdraw", None)
    elif changed:
        _announce(listing, "updated", previous_status=previous)
    return listing


# --- heartbeat ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    expired: list[int]
    reminded: list[int]


def expire_listings(now: datetime | None = None) -> SweepResult:
    """The heartbeat sweep (`exchange expire-listings`, run by cron or a scheduler).

    Published listings past ``expires_at`` become expired; owners of listings expiring
    within LISTING_REMINDER_DAYS are reminded once per period (until they confirm).
    Rows locked by a concurrent request are skipped and caught by the next run.
    """
    now = now or utcnow()
    published = Listing.status == literal_column("'published'")  # matches the partial index
    overdue = db.session.scalars(
        select(Listing)
        .where(published, Listing.expires_at <= now)
        .order_by(Listing.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for listing in overdue:
        _transition(listing, "expire", None, now)
        for user_id in _owner_recipients(listing):
            notify(user_id, "listing_expired", _listing_ref(listing))
    window_end = now + timedelta(days=current_app.config["LISTING_REMINDER_DAYS"])
    due = db.session.scalars(
        select(Listing)
        .where(
            published,
            Listing.expires_at > now,
            Listing.expires_at <= window_end,
            Listing.reminded_at.is_(None),
        )
        .order_by(Listing.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for listing in due:
        listing.reminded_at = now
        for user_id in _owner_recipients(listing):
            notify(
                user_id,
                "listing_expiring",
                {**_listing_ref(listing), "expires_at": listing.expires_at.isoformat()},
            )
    db.session.flush()
    return SweepResult([listing.id for listing in overdue], [listing.id for listing in due])


def _owner_recipients(listing: Listing) -> list[int]:
    """Who hears about a listing: its owner, or (without one) its organisation's managers."""
    if listing.owner_id is not None:
        return [listing.owner_id]
    return list(
        db.session.scalars(
            select(Membership.user_id)
            .where(
                Membership.organization_id == listing.organization_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role.in_(sorted(MANAGER_ROLES)),
            )
            .order_by(Membership.user_id)
        )
    )


def _listing_ref(listing: Listing) -> dict:
    return {
        "listing_id": listing.id,
        "kind": listing.kind,
        "title": listing.title,
        "city": listing.city,
    }


# --- notifications -----------------------------------------------------------------------


def notify(user_id: int, kind: str, payload: dict, *, email: bool = True) -> Notification:
    """An in-app notification; its socket event goes out after commit, and its e-mail
    (exchange.listings.emails) unless ``email`` is false."""
    notification = Notification(user_id=user_id, kind=kind, payload=payload)
    db.session.add(notification)
    db.session.flush()
    signals.notification_created.send(notification, email=email)
    return notification


@dataclass
class NotificationPage:
    items: list[Notification]
    next_cursor: str | None


def list_notifications(
    user: User, unread_only: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> NotificationPage:
    """My notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        stmt = stmt.where(Notification.id < id_cursor(cursor))
    rows = list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(rows, encode_cursor([rows[-1].id]) if more and rows else None)


def mark_notification_read(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_notifications_read(user: User) -> int:
    """Mark all my unread notifications read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def unread_notification_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingFilter:
    """The parameters of GET /listings, parsed. Also what a saved search stores (without
    status, sort, limit and cursor) and what the map and the benchmarks pass in."""

    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    near: tuple[float, float] | None = None  # lat, lon
    radius_km: float | None = None
    kind: str | None = None
    min_beds: int | None = None
    max_rent: Decimal | None = None
    available_by: date | None = None
    accessible: bool = False
    organization_id: int | None = None
    status: str = S.PUBLISHED
    sort: str | None = None  # "distance" | "newest"; default: distance with near, else newest
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    #: The fields a saved search keeps.
    SAVED = (
        "bbox",
        "near",
        "radius_km",
        "kind",
        "min_beds",
        "max_rent",
        "available_by",
        "accessible",
        "organization_id",
    )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("distance" if self.near else "newest")

    def check(self) -> None:
        """Rules across parameters (each single parameter is checked by the schema)."""
        errors = {}
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if min_lon >= max_lon or min_lat >= max_lat:
                errors["bbox"] = "Use minLon,minLat,maxLon,maxLat with min < max."
        if self.radius_km is not None and self.near is None:
            errors["radius_km"] = "Only together with near."
        if self.effective_sort == "distance" and self.near is None:
            errors["sort"] = "Sorting by distance needs near."
        if errors:
            raise _invalid_query(errors)

    def to_saved(self) -> dict:
        """The JSON a saved search stores (only what is set)."""
        data: dict[str, Any] = {}
        for name in self.SAVED:
            value = getattr(self, name)
            if value is None or value is False:
                continue
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, date):
                value = value.isoformat()
            data[name] = value
        return data

    @classmethod
    def from_saved(cls, data: dict) -> ListingFilter:
        values: dict[str, Any] = {}
        for name in cls.SAVED:
            if name not in data:
                continue
            value = data[name]
            if name in ("bbox", "near"):
                value = tuple(float(v) for v in value)
            elif name == "max_rent":
                value = Decimal(value)
            elif name == "available_by":
                value = date.fromisoformat(value)
            values[name] = value
        return cls(**values)


def _invalid_query(errors: dict[str, str]) -> InvalidInput:
    error = InvalidInput(errors)
    error.errors = {"query": error.errors["json"]}
    return error


def _geography_point(lat: float, lon: float):
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


def _geometry(column=None):
    """The location as geometry: lon/lat rectangles are compared on the flat map.

    Spelled `geometry(location)`, which PostgreSQL matches to the expression index
    ix_listings_location_geometry; a typed CAST (`geometry(GEOMETRY,-1)`) would not.
    """
    return func.geometry(Listing.location if column is None else column, type_=_GEOMETRY)


#: One instance for every expression (a type class given as ``type_`` is instantiated anew
#: each time, which cost a tenth of building a search's SQL).
_GEOMETRY = Geometry()


def filter_clauses(flt: ListingFilter) -> list[ColumnElement[bool]]:
    """SQL conditions of a filter (without visibility), shared by search, clusters, OGC
    and saved searches, so that they all mean the same."""
    params = filter_params(flt)
    return _filter_sql(params, params.__getitem__)


def filter_params(flt: ListingFilter) -> dict[str, Any]:
    """The values of a filter's conditions by name, only those that are set: the names
    alone decide which conditions there are (see _filter_sql)."""
    params: dict[str, Any] = {"status": flt.status}
    if flt.bbox is not None:
        params.update(zip(("west", "south", "east", "north"), flt.bbox, strict=True))
    if flt.near is not None:
        params["near_lat"], params["near_lon"] = flt.near
        if flt.radius_km is not None:
            params["radius_m"] = flt.radius_km * 1000.0
    optional = {"kind": flt.kind, "min_beds": flt.min_beds, "max_rent": flt.max_rent,
                "available_by": flt.available_by, "organization_id": flt.organization_id}
    params.update((name, value) for name, value in optional.items() if value is not None)
    if flt.accessible:
        params["accessible"] = True
    return params


def _filter_sql(params: Container[str], value: Callable[[str], Any]) -> list[ColumnElement[bool]]:
    """The conditions of the named values; ``value(name)`` gives each: the value itself,
    or a bind parameter standing for it (a search statement built once per shape)."""
    clauses: list[ColumnElement[bool]] = [Listing.status == value("status")]
    if "west" in params:
        envelope = func.ST_MakeEnvelope(
            value("west"), value("south"), value("east"), value("north"), 4326
        )
        clauses.append(_geometry().op("&&")(envelope))
    if "radius_m" in params:
        near = _geography_point(value("near_lat"), value("near_lon"))
        clauses.append(func.ST_DWithin(Listing.location, near, value("radius_m"), False))
    if "kind" in params:
        clauses.append(Listing.kind == value("kind"))
    if "min_beds" in params:
        beds = value("min_beds")
        clauses.append(
            or_(
                and_(Listing.kind == ListingKind.FLAT, Listing.max_occupants >= beds),
                and_(Listing.kind == ListingKind.BEDS, Listing.free_beds >= beds),
            )
        )
    if "max_rent" in params:
        # Rent belongs to flats; a flat without a stated rent does not match a rent limit.
        clauses.append(
            and_(
                Listing.kind == ListingKind.FLAT,
                Listing.rent_cold + func.coalesce(Listing.utilities, 0) <= value("max_rent"),
            )
        )
    if "available_by" in params:
        day = value("available_by")
        clauses.append(
            or_(
                and_(
                    Listing.kind == ListingKind.FLAT,
                    or_(Listing.available_from.is_(None), Listing.available_from <= day),
                    or_(Listing.available_until.is_(None), Listing.available_until >= day),
                ),
                and_(
                    Listing.kind == ListingKind.BEDS,
                    or_(Listing.valid_until.is_(None), Listing.valid_until >= day),
                ),
            )
        )
    if "accessible" in params:
        clauses.append(or_(Listing.accessible.is_(True), Listing.accessible_beds > 0))
    if "organization_id" in params:
        clauses.append(Listing.organization_id == value("organization_id"))
    return clauses


def _presentation_loads() -> tuple:
    """What presenting listings reads, their organisations and owners, joined to the
    query rather than loaded one by one."""
    return joinedload(Listing.organization, innerjoin=True), joinedload(Listing.owner)


@cache
def _page_base() -> Select:
    """A search page as flat rows: the listing's columns (its point as lat and lon) and what
    it shows of its organisation and owner, under the names Listing's properties give them.
    Built once: making a select of forty columns costs more than running it."""
    point = cast(Listing.location, Geometry)
    return (
        select(
            *(column for column in Listing.__table__.columns if column.key != "location"),
            func.ST_Y(point).label("lat"),
            func.ST_X(point).label("lon"),
            Organization.name.label("organization_name"),
            Organization.verified.label("organization_verified"),
            User.name.label("owner_name"),
            User.email.label("owner_email"),
            User.phone.label("owner_phone"),
        )
        .join_from(Listing, Organization, Organization.id == Listing.organization_id)
        .outerjoin(User, User.id == Listing.owner_id)
    )


def _page_select(*extra: ColumnElement) -> Select:
    """_page_base with more columns (the distance)."""
    return _page_base().add_columns(*extra) if extra else _page_base()


def _page_rows(stmt: Select, params: dict[str, Any] | None = None) -> list[Row]:
    """The rows of a page select, run on the session's connection as plain Core: they are
    columns, not entities, and the ORM's row handling cost a fifth of the request."""
    return db.session.connection().execute(stmt, params).all()


@dataclass
class SearchHit:
    listing: Row  # of _page_select: read by listing_json, or by attribute like a Listing
    distance_m: float | None = None


@dataclass
class SearchPage:
    items: list[SearchHit]
    next_cursor: str | None
    sort: str = "newest"
    extra: dict = field(default_factory=dict)


def search_listings(viewer: User, flt: ListingFilter) -> SearchPage:
    """GET /listings: the listings the viewer may see that match, one keyset page.

    sort=newest walks the index (status, listed_at, id); sort=distance walks the GiST
    index by distance (`<->`, on the sphere) from ``near``. The cursor carries the sort key
    and id of the last item, so every page costs about the same.
    """
    flt.check()
    sort = flt.effective_sort
    reach, params = _visibility(viewer, flt.status)
    params.update(filter_params(flt), page_size=flt.limit + 1)
    if flt.cursor:
        params.update(_cursor_params(flt.cursor, sort))
    rows = _page_rows(_search_statement(sort, reach, frozenset(params)), params)
    if sort == "distance":
        if len(rows) > flt.limit:
            rows = _with_ties(rows, reach, params, flt.limit)
        else:  # the index gives listings at one distance in no particular order
            rows = sorted(rows, key=lambda row: (row.distance_m, row.id))
    more = len(rows) > flt.limit
    hits = [
        SearchHit(row, row.distance_m if flt.near is not None else None)
        for row in rows[: flt.limit]
    ]
    next_cursor = None
    if more and hits:
        last = hits[-1]
        key = last.listing.listed_at.isoformat() if sort == "newest" else last.distance_m
        next_cursor = encode_cursor([sort, key, last.listing.id])
    return SearchPage(hits, next_cursor, sort)


#: Search statements by shape (sort, visibility, the names of the values), each built once
#: with bind parameters: building a search's SQL and its cache key cost more than a city
#: viewport's query at 10k listings. Shapes are few (which filters are set), but bounded.
_SEARCH_STATEMENTS: dict[tuple, Select] = {}
_SEARCH_STATEMENTS_MAX = 1024
#: Types of bind parameters that no column comparison gives them.
_PARAM_TYPES = {name: Float() for name in
                ("west", "south", "east", "north", "near_lat", "near_lon", "radius_m",
                 "after_distance")}


def _search_statement(sort: str, reach: str, names: frozenset[str]) -> Select:
    """The search of that shape, its values bind parameters named as in the params."""
    shape = (sort, reach, names)
    if (stmt := _SEARCH_STATEMENTS.get(shape)) is not None:
        return stmt
    binds: dict[str, BindParameter] = {}

    def value(name: str) -> BindParameter:
        if name not in binds:
            binds[name] = bindparam(name, type_=_PARAM_TYPES.get(name),
                                    expanding=name == "viewer_organizations")
        return binds[name]

    conditions = _search_conditions(sort, reach, names, value)
    if sort == "newest":
        newest = (Listing.listed_at.desc(), Listing.id.desc())
        # The page's ids first, then its rows. For published listings in a viewport the ids
        # come from ix_listings_published_map alone (an index-only scan), so the heap is read
        # for the page's rows only, not for every listing in the viewport (migration 0006).
        page_ids = (select(Listing.id).where(*conditions).order_by(*newest)
                    .limit(value("page_size")))
        # With near, newest first still says how far each listing is.
        extra = [_distance(value).label("distance_m")] if "near_lat" in names else []
        stmt = (_page_select(*extra).where(Listing.id.in_(page_ids.scalar_subquery()))
                .order_by(*newest))
    else:
        distance = _distance(value)
        # By distance alone: PostgreSQL walks the GiST index by distance only when it is the
        # sole sort key (ties at the page's end: _with_ties).
        stmt = (_page_select(distance.label("distance_m")).where(*conditions)
                .order_by(distance).limit(value("page_size")))
    if len(_SEARCH_STATEMENTS) >= _SEARCH_STATEMENTS_MAX:
        _SEARCH_STATEMENTS.clear()
    _SEARCH_STATEMENTS[shape] = stmt
    return stmt


def _search_conditions(
    sort: str, reach: str, names: Container[str], value: Callable[[str], Any]
) -> list[ColumnElement[bool]]:
    """Visibility, filters and the cursor of a search; ``value(name)`` gives each value."""
    conditions = [_visibility_sql(reach, names, value), *_filter_sql(names, value)]
    if "after_id" in names:
        if sort == "newest":
            conditions.append(tuple_(Listing.listed_at, Listing.id)
                              < tuple_(value("after_listed_at"), value("after_id")))
        else:
            conditions.append(tuple_(_distance(value), Listing.id)
                              > tuple_(value("after_distance"), value("after_id")))
    return conditions


def _distance(value: Callable[[str], Any]) -> ColumnElement[float]:
    point = _geography_point(value("near_lat"), value("near_lon"))
    return Listing.location.op("<->", return_type=Float)(point)


def _with_ties(rows: list[Row], reach: str, params: dict[str, Any], limit: int) -> list[Row]:
    """limit + 1 rows by (distance, id): the listings that share the distance of the last
    row (several flats in one house) are fetched whole and ordered by id, so the page ends
    at the same place whatever order the index gave the ties in."""
    boundary = rows[-1].distance_m
    value = params.__getitem__
    distance = _distance(value)
    near = _geography_point(params["near_lat"], params["near_lon"])
    ties = _page_rows(
        _page_select(distance.label("distance_m")).where(
            *_search_conditions("distance", reach, params, value),
            func.ST_DWithin(Listing.location, near, boundary * 1.000001 + 0.01, False),
            distance == boundary,
        )
    )
    closer = [row for row in rows if row.distance_m < boundary]
    return sorted(closer + ties, key=lambda row: (row.distance_m, row.id))[: limit + 1]


def _cursor_params(cursor: str, sort: str) -> dict[str, Any]:
    """The sort key and id of the last item before this page, from the cursor."""
    bad = _invalid_query({"cursor": "Not a valid cursor for this search."})
    values = decode_cursor(cursor)
    if len(values) != 3 or values[0] != sort or not is_id(values[2]):
        raise bad
    _sort, key, last_id = values
    if sort == "newest":
        try:
            after = datetime.fromisoformat(key)
        except (TypeError, ValueError) as exc:
            raise bad from exc
        if after.tzinfo is None:
            raise bad
        return {"after_listed_at": after, "after_id": last_id}
    if type(key) not in (int, float) or not math.isfinite(key):
        raise bad
    return {"after_distance": float(key), "after_id": last_id}


def count_and_page(
    viewer: User,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    listed: tuple[datetime | None, datetime | None] = (None, None),
) -> tuple[list[Listing], int]:
    """Published listings the viewer may see in a bbox, by id, with offset paging and the
    total (OGC API – Features, where clients page by offset). ``listed`` keeps those
    listed in [start, end) (the OGC `datetime`; None: open)."""
    flt = ListingFilter(bbox=bbox)
    flt.check()
    conditions = [visible_clause(viewer, flt.status), *filter_clauses(flt)]
    start, end = listed
    if start is not None:
        conditions.append(Listing.listed_at >= start)
    if end is not None:
        conditions.append(Listing.listed_at < end)
    matched = db.session.scalar(select(func.count()).select_from(Listing).where(*conditions))
    rows = db.session.scalars(
        select(Listing)
        .where(*conditions)
        .order_by(Listing.id)
        .limit(limit)
        .offset(offset)
        .options(*_presentation_loads())
    ).all()
    return list(rows), matched or 0


@dataclass(frozen=True)
class PublishedExtent:
    """Where and when the published listings a viewer may see lie (OGC collection extent)."""

    bbox: tuple[float, float, float, float] | None  # min_lon, min_lat, max_lon, max_lat
    first_listed: datetime | None
    last_listed: datetime | None


def published_extent(viewer: User) -> PublishedExtent:
    """The extent of the published listings the viewer may see. For a viewer who sees
    some of them only approximately (everyone but officials) the box is widened by a grid
    cell, so that it holds the rounded points shown and tells no exact corner."""
    point = _geometry()
    row = db.session.execute(
        select(
            func.min(func.ST_X(point)), func.min(func.ST_Y(point)),
            func.max(func.ST_X(point)), func.max(func.ST_Y(point)),
            func.min(Listing.listed_at), func.max(Listing.listed_at),
        ).where(visible_clause(viewer, S.PUBLISHED), Listing.status == S.PUBLISHED)
    ).one()
    min_lon, min_lat, max_lon, max_lat, first_listed, last_listed = row
    if min_lon is None:
        return PublishedExtent(None, None, None)
    if not is_official(viewer):
        lat_step = APPROXIMATE_GRID_M / _METRES_PER_DEGREE
        widest = min(max(abs(min_lat), abs(max_lat)) + lat_step, 89.0)
        lon_step = lat_step / max(math.cos(math.radians(widest)), 0.01)
        min_lon, max_lon = max(min_lon - lon_step, -180.0), min(max_lon + lon_step, 180.0)
        min_lat, max_lat = max(min_lat - lat_step, -90.0), min(max_lat + lat_step, 90.0)
    return PublishedExtent((min_lon, min_lat, max_lon, max_lat), first_listed, last_listed)


def get_published_listing(viewer: User, listing_id: int) -> Listing:
    """One published listing the viewer may see (OGC items/{id}), else 404."""
    listing = get_listing(viewer, listing_id)
    if listing.status != S.PUBLISHED:
        raise NotFound()
    return listing


# --- clusters ----------------------------------------------------------------------------


@dataclass
class Cluster:
    lat: float
    lon: float
    count: int
    free_beds: int
    listing_id: int | None = None


@dataclass
class ClusterResult:
    level: int
    cell_deg: float
    clusters: list[Cluster]


def cell_size(level: int) -> float:
    return 360.0 / 2**level


def _cell_range(low: float, high: float, size: float) -> tuple[int, int]:
    return math.floor(low / size), math.floor(high / size)


def cluster_level(bbox: tuple[float, float, float, float], zoom: int) -> int:
    """The grid level for a map zoom (about four cells per 256-px tile), coarsened until
    the viewport holds at most MAX_CLUSTERS cells."""
    level = max(zoom + 2, CELL_LEVELS.start)
    while level > CELL_LEVELS.start:
        size = cell_size(level)
        x0, x1 = _cell_range(bbox[0], bbox[2], size)
        y0, y1 = _cell_range(bbox[1], bbox[3], size)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_CLUSTERS:
            break
        level -= 1
    return level


def listing_clusters(
    viewer: User,
    bbox: tuple[float, float, float, float],
    zoom: int,
    flt: ListingFilter | None = None,
) -> ClusterResult:
    """Published listings the viewer may see, counted per grid cell in PostGIS.

    The cells cover the viewport whole (a cell at its edge counts all its listings). Staff
    see every published listing, so for them the counts come from `listing_cells`, which
    the database keeps per level: a few hundred rows for any table size. Other filters,
    landlords' own listings and the finest zooms are grouped from the rows themselves.
    """
    flt = replace(flt or ListingFilter(), bbox=bbox, status=S.PUBLISHED, cursor=None)
    flt.check()
    level = cluster_level(bbox, zoom)
    size = cell_size(level)
    x0, x1 = _cell_range(bbox[0], bbox[2], size)
    y0, y1 = _cell_range(bbox[1], bbox[3], size)
    only_kind = all(
        getattr(flt, f.name) == f.default
        for f in fields(ListingFilter)
        if f.name not in ("bbox", "kind", "status", "sort", "limit", "cursor")
    )
    if authz.is_staff(viewer) and level in CELL_LEVELS and only_kind:
        rows = _clusters_from_cells(level, flt.kind, (x0, x1), (y0, y1))
    else:
        cell_bbox = (x0 * size, y0 * size, (x1 + 1) * size, (y1 + 1) * size)
        rows = _clusters_from_listings(viewer, replace(flt, bbox=cell_bbox), size)
    exact = is_official(viewer)
    clusters = []
    for count, free_beds, sum_lon, sum_lat, listing_id in rows:
        lat, lon = sum_lat / count, sum_lon / count
        if not exact:
            lat, lon = approximate(lat, lon)
        clusters.append(
            Cluster(
                round(lat, 6),
                round(lon, 6),
                int(count),
                int(free_beds or 0),
                int(listing_id) if count == 1 else None,
            )
        )
    return ClusterResult(level, size, clusters)


def _clusters_from_cells(level, kind, xs, ys) -> list[tuple]:
    stmt = (
        select(
            func.sum(ListingCell.listings),
            func.sum(ListingCell.free_beds),
            func.sum(ListingCell.sum_lon),
            func.sum(ListingCell.sum_lat),
            func.sum(ListingCell.sum_id),
        )
        .where(
            ListingCell.level == level,
            ListingCell.cx.between(*xs),
            ListingCell.cy.between(*ys),
            ListingCell.listings > 0,
        )
        .group_by(ListingCell.cx, ListingCell.cy)
    )
    if kind is not None:
        stmt = stmt.where(ListingCell.kind == kind)
    return [tuple(row) for row in db.session.execute(stmt)]


def _clusters_from_listings(viewer: User, flt: ListingFilter, size: float) -> list[tuple]:
    x = func.ST_X(_geometry())
    y = func.ST_Y(_geometry())
    grid = literal_column(repr(size))  # a literal: the GROUP BY must repeat it exactly
    stmt = (
        select(
            func.floor(x / grid),
            func.floor(y / grid),
            func.count(),
            func.sum(func.coalesce(Listing.free_beds, 0)),
            func.sum(x),
            func.sum(y),
            func.min(Listing.id),
        )
        .where(visible_clause(viewer, flt.status), *filter_clauses(flt))
        .group_by(text("1"), text("2"))
    )
    return [(row[2], row[3], row[4], row[5], row[6]) for row in db.session.execute(stmt)]


def rebuild_listing_cells() -> None:
    """Recompute the cluster counts from the listings (after a bulk load with the trigger
    disabled, or to repair them)."""
    db.session.execute(text("SELECT listing_cells_rebuild()"))


# --- saved searches ----------------------------------------------------------------------

MAX_SAVED_SEARCHES = 100
MAX_AREA_POINTS = 2000


def create_saved_search(
    actor: User, name: str, flt: ListingFilter, area: dict | None = None
) -> SavedSearch:
    """Save a search (staff only); newly published listings that match are notified."""
    if not authz.is_staff(actor):
        raise Forbidden("Only staff of public organisations save searches.")
    try:
        flt.check()
    except InvalidInput as error:
        raise InvalidInput({"filters": error.errors["query"]}) from error
    count = db.session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.owner_id == actor.id)
    )
    if count >= MAX_SAVED_SEARCHES:
        raise Conflict(Text("You have %(n)d saved searches already.", n=MAX_SAVED_SEARCHES))
    saved = SavedSearch(
        owner_id=actor.id,
        name=name.strip(),
        filters=flt.to_saved(),
        area=_area_wkt(area) if area is not None else None,
    )
    db.session.add(saved)
    db.session.flush()
    return saved


def _area_wkt(area: dict) -> str:
    """EWKT of a GeoJSON Polygon in lon/lat, or 422 naming `area`."""
    try:
        polygon = shape(area)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise InvalidInput({"area": "Not a GeoJSON Polygon."}) from exc
    if polygon.geom_type != "Polygon" or polygon.is_empty:
        raise InvalidInput({"area": "Not a GeoJSON Polygon."})
    coordinates = list(polygon.exterior.coords) + [
        c for ring in polygon.interiors for c in ring.coords
    ]
    if len(coordinates) > MAX_AREA_POINTS:
        raise InvalidInput({"area": Text("At most %(n)d points.", n=MAX_AREA_POINTS)})
    if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat, *_ in coordinates):
        raise InvalidInput({"area": "Coordinates are lon,lat within -180..180, -90..90."})
    if not polygon.is_valid:
        raise InvalidInput({"area": Text("Not a valid polygon: %(reason)s.",
                                         reason=explain_validity(polygon))})
    return f"SRID=4326;{polygon.wkt}"


def list_saved_searches(actor: User) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            select(SavedSearch).where(SavedSearch.owner_id == actor.id).order_by(SavedSearch.id)
        )
    )


def delete_saved_search(actor: User, saved_search_id: int) -> None:
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or saved.owner_id != actor.id:
        raise NotFound()
    db.session.delete(saved)
    db.session.flush()


def matching_saved_searches(listing: Listing) -> list[SavedSearch]:
    """Saved searches whose filters (and area) the listing matches, evaluated in SQL with
    the same conditions as the search, one statement per batch of searches."""
    location = select(_geometry()).where(Listing.id == listing.id).scalar_subquery()
    candidates = list(
        db.session.scalars(
            select(SavedSearch)
            .where(or_(SavedSearch.area.is_(None), func.ST_Covers(SavedSearch.area, location)))
            .order_by(SavedSearch.id)
        )
    )
    matches: list[SavedSearch] = []
    for batch in _batches(candidates, 200):
        tests = []
        for saved in batch:
            try:
                flt = ListingFilter.from_saved(saved.filters)
            except (TypeError, ValueError, ArithmeticError):
                tests.append(false())  # stored by an older version: never matches
                continue
            tests.append(
                exists(select(Listing.id).where(Listing.id == listing.id, *filter_clauses(flt)))
            )
        row = db.session.execute(select(*tests)).one()
        matches.extend(saved for saved, hit in zip(batch, row, strict=True) if hit)
    return matches


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _notify_saved_searches(listing: Listing) -> None:
    """A newly published listing: tell the owners of the saved searches it matches, once
    per search and listing, if they may see it (not the one who published it)."""
    matches = matching_saved_searches(listing)
    if not matches:
        return
    told = set(
        db.session.scalars(
            select(Notification.payload["saved_search_id"].as_integer()).where(
                Notification.kind == "saved_search_match",
                Notification.payload["listing_id"].as_integer() == listing.id,
            )
        )
    )
    for saved in matches:
        owner = db.session.get(User, saved.owner_id)
        if saved.id in told or owner is None or owner.disabled or owner.id == listing.owner_id:
            continue
        if not can_see(owner, listing):
            continue
        notify(
            owner.id,
            "saved_search_match",
            {**_listing_ref(listing), "saved_search_id": saved.id, "saved_search_name": saved.name},
        )


# --- photos and documents ----------------------------------------------------------------

#: Files one listing may carry (photos and documents together).
MAX_LISTING_DOCUMENTS = 30


@documents.register_reader
def _listing_viewers_read_documents(user: User, document_id: int) -> bool:
    """A document attached to a listing is readable by whoever may see that listing."""
    return (
        db.session.scalar(
            select(ListingDocument.listing_id)
            .join(Listing, Listing.id == ListingDocument.listing_id)
            .where(ListingDocument.document_id == document_id, visible_clause(user))
            .limit(1)
        )
        is not None
    )


def listing_documents(listing: Listing) -> list[ListingDocument]:
    """The files attached to a listing, in the order they were attached."""
    return list(
        db.session.scalars(
            select(ListingDocument)
            .where(ListingDocument.listing_id == listing.id)
            .options(joinedload(ListingDocument.document, innerjoin=True))
            .order_by(ListingDocument.position, ListingDocument.document_id)
        )
    )


def attach_document(actor: User, listing_id: int, document_id: int, kind: str) -> ListingDocument:
    """Attach a document to a listing as a photo or a document (who may edit the listing).

    The actor must be able to read the document (their own upload, usually): anything else
    is a 422 on ``document_id``, so nobody gains access to a file by attaching its id. A
    photo must be an image of an allow-listed type (told by content when it was uploaded).
    """
    listing = _lock(actor, listing_id)
    if not can_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    if kind not in {k.value for k in AttachmentKind}:
        raise InvalidInput({"kind": "Use photo or document."})
    (document,) = documents.get_attachable(actor, [document_id], field="document_id")
    if kind == AttachmentKind.PHOTO and document.content_type not in IMAGE_TYPES:
        raise InvalidInput(
            {"kind": "Only images (PNG, JPEG, GIF or WebP) can be photos; "
                     "attach this file as a document."}
        )
    # The listing's row lock serialises attaching, so these counts cannot go stale.
    attached, last_position = db.session.execute(
        select(func.count(), func.max(ListingDocument.position)).where(
            ListingDocument.listing_id == listing.id
        )
    ).one()
    if db.session.get(ListingDocument, (listing.id, document.id)) is not None:
        message = "This document is attached to the listing already."
        raise Conflict(message, {"json": {"document_id": [message]}})
    if attached >= MAX_LISTING_DOCUMENTS:
        message = Text("A listing holds at most %(n)d files.", n=MAX_LISTING_DOCUMENTS)
        raise Conflict(message, {"json": {"document_id": [message]}})
    attachment = ListingDocument(
        listing_id=listing.id,
        document_id=document.id,
        kind=kind,
        position=(last_position if last_position is not None else -1) + 1,
        document=document,
    )
    db.session.add(attachment)
    listing.updated_at = utcnow()
    db.session.flush()
    _announce(listing, "updated", previous_status=listing.status)
    return attachment


def detach_document(actor: User, listing_id: int, document_id: int) -> None:
    """Take a file off a listing (who may edit it); the document itself stays its
    uploader's. 404 when it is not attached."""
    listing = _lock(actor, listing_id)
    if not can_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    attachment = db.session.get(ListingDocument, (listing.id, document_id))
    if attachment is None:
        raise NotFound()
    db.session.delete(attachment)
    listing.updated_at = utcnow()
    db.session.flush()
    _announce(listing, "updated", previous_status=listing.status)
