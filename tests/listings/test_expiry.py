"""The heartbeat: the sweep that expires listings and reminds their owners, its command,
and how a flag shortens the period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.db import utcnow
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.listings import expiry, operations
from exchange.listings.models import Listing
from exchange.notifications.models import Notification


def _notes(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_the_sweep_expires_overdue_listings_and_tells_the_owner(make_user, make_listing):
    owner = make_user(role="landlord")
    now = utcnow()
    overdue = make_listing(owner=owner, expires_at=now - timedelta(minutes=1))
    fresh = make_listing(owner=owner, expires_at=now + timedelta(days=10))
    reserved = make_listing(owner=owner, status="reserved", expires_at=now - timedelta(days=1))
    result = expiry.expire_listings(now)
    assert result.expired == [overdue.id]
    assert db.session.get(Listing, overdue.id).status == "expired"
    assert db.session.get(Listing, fresh.id).status == "published"
    assert db.session.get(Listing, reserved.id).status == "reserved"
    assert [(n.kind, n.payload["listing_id"]) for n in _notes(owner)] == [
        ("listing_expired", overdue.id)
    ]


def test_owners_are_reminded_once_per_period(app, make_user, make_listing):
    owner = make_user(role="landlord")
    now = utcnow()
    window = app.config["LISTING_REMINDER_DAYS"]
    due = make_listing(owner=owner, expires_at=now + timedelta(days=window - 1))
    make_listing(owner=owner, expires_at=now + timedelta(days=window + 1))
    assert expiry.expire_listings(now).reminded == [due.id]
    assert expiry.expire_listings(now + timedelta(hours=1)).reminded == []
    assert [n.kind for n in _notes(owner)] == ["listing_expiring"]
    # Confirming starts a new period; near its end the owner is reminded again.
    operations.confirm_listing(owner, due.id)
    later = due.expires_at - timedelta(days=1)
    assert expiry.expire_listings(later).reminded == [due.id]
    about_due = [n.kind for n in _notes(owner) if n.payload["listing_id"] == due.id]
    assert about_due == ["listing_expiring", "listing_expiring"]


def test_a_flag_shortens_the_period_to_the_reminder_window(app, make_user, make_listing):
    owner = make_user(role="landlord")
    official = make_user(role="official")
    listing = make_listing(owner=owner)
    operations.flag_listing(official, listing.id, "Nicht mehr frei")
    limit = utcnow() + timedelta(days=app.config["LISTING_REMINDER_DAYS"])
    assert listing.expires_at <= limit and listing.flagged_by_id == official.id
    # The flag was the reminder: the sweep does not remind again.
    assert expiry.expire_listings().reminded == []
    with pytest.raises(Conflict):
        operations.flag_listing(official, make_listing(owner=owner, status="reserved").id, "x")


def test_the_expire_listings_command(run, make_user, make_listing):
    owner = make_user(role="landlord")
    listing = make_listing(owner=owner, expires_at=utcnow() - timedelta(days=1))
    db.session.commit()
    # Run as from a shell: its own app context and session (see `run` in tests/conftest.py).
    result = run("expire-listings")
    assert result.exit_code == 0, result.output
    assert "Expired 1 listing(s)" in result.output
    assert db.session.get(Listing, listing.id).status == "expired"


# --- saved searches ------------------------------------------------------------------------
