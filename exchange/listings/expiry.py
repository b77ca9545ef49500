"""The heartbeat: listings nobody confirmed expire, their owners are reminded first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import literal_column, select

from exchange import notifications
from exchange.db import utcnow
from exchange.extensions import db

from .models import Listing
from .notices import listing_ref, owner_recipients
from .operations import transition


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
        transition(listing, "expire", None, now)
        for user_id in owner_recipients(listing):
            notifications.notify(user_id, "listing_expired", listing_ref(listing))
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
        for user_id in owner_recipients(listing):
            notifications.notify(
                user_id,
                "listing_expiring",
                {**listing_ref(listing), "expires_at": listing.expires_at.isoformat()},
            )
    db.session.flush()
    return SweepResult([listing.id for listing in overdue], [listing.id for listing in due])
