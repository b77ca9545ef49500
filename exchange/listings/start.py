"""Start-page blocks of the listings domain (shown by exchange.home)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings.access import creator_organizations, member_organizations, visible_clause
from exchange.listings.models import Listing, ListingKind, ListingStatus
from exchange.profiles.models import User


def newest_offers(user: User, limit: int = 5) -> list[Listing]:
    """The newest published listings the user may see (officials' start page)."""
    return list(db.session.scalars(
        select(Listing)
        .where(visible_clause(user, ListingStatus.PUBLISHED.value))
        .order_by(Listing.listed_at.desc(), Listing.id.desc())
        .limit(limit)
    ))


def open_requests(user: User, limit: int = 10) -> list[Listing]:
    """Reserved listings the user asked for, or that are their organisation's and were
    asked for: requests still to be settled."""
    return list(db.session.scalars(
        select(Listing)
        .where(
            Listing.status == ListingStatus.RESERVED.value,
            or_(Listing.reserved_by_id == user.id,
                Listing.organization_id.in_(sorted(member_organizations(user)) or [0])),
        )
        .order_by(Listing.reserved_at.desc().nulls_last(), Listing.id.desc())
        .limit(limit)
    ))


def my_listings(user: User, limit: int = 20) -> list[Listing]:
    """The landlord's own listings (owned, or of their organisations), newest first."""
    return list(db.session.scalars(
        select(Listing)
        .where(or_(Listing.owner_id == user.id,
                   Listing.organization_id.in_(sorted(member_organizations(user)) or [0])))
        .where(Listing.status.notin_([ListingStatus.WITHDRAWN.value]))
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
        .limit(limit)
    ))


def may_create_listing(user: User) -> bool:
    """Whether the start page offers "New listing" (the user may list a flat somewhere)."""
    return bool(creator_organizations(user, ListingKind.FLAT))


def expiring_soon(listings: list[Listing]) -> list[Listing]:
    """Of these, the published ones that expire within the reminder window
    (LISTING_REMINDER_DAYS, when the owner is reminded too), not the listing's lifetime:
    a listing just published is not "expiring soon"."""
    deadline = utcnow() + timedelta(days=current_app.config["LISTING_REMINDER_DAYS"])
    return [x for x in listings if x.status == ListingStatus.PUBLISHED.value
            and x.expires_at is not None and x.expires_at <= deadline]
