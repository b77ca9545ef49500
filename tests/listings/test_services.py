"""Services of the listings domain: the status machine, row locks, the heartbeat sweep and
its command, flags, saved-search matching."""

from __future__ import annotations

import contextvars
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from exchange.cli import cli
from exchange.db import utcnow
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.listings import expiry, operations, saved_searches
from exchange.listings.filters import ListingFilter
from exchange.listings.models import Listing
from exchange.listings.operations import TRANSITIONS
from exchange.notifications.models import Notification
from tests.dates import day

STATUSES = ["draft", "published", "reserved", "let", "withdrawn", "expired"]
ACTIONS = ["publish", "reserve", "let", "withdraw"]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_follows_the_table(make_user, make_listing, status, action):
    official = make_user(role="official")  # owner and official: allowed to do all of them
    listing = make_listing(kind="beds", owner=official, status=status)
    allowed, target = TRANSITIONS[action]
    if status in allowed:
        assert operations.change_status(official, listing.id, action).status == target
    else:
        with pytest.raises(Conflict):
            operations.change_status(official, listing.id, action)
        assert db.session.get(Listing, listing.id).status == status


def test_the_table_is_the_documented_machine():
    pairs = {(source, target) for sources, target in TRANSITIONS.values() for source in sources}
    assert pairs == {
        ("draft", "published"),
        ("published", "reserved"),
        ("reserved", "let"),
        ("published", "withdrawn"),
        ("reserved", "withdrawn"),
        ("published", "expired"),
        ("withdrawn", "published"),
        ("expired", "published"),
    }


def test_a_status_change_locks_the_row(make_user, make_listing):
    landlord = make_user(role="landlord")
    listing = make_listing(owner=landlord)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        operations.change_status(landlord, listing.id, "withdraw")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    locking = [s for s in statements if "FROM listings" in s and "FOR UPDATE" in s]
    assert locking and statements.index(locking[0]) < next(
        i for i, s in enumerate(statements) if s.startswith("UPDATE listings")
    )


def test_publishing_starts_a_period_of_listing_ttl_days(app, make_user, make_listing):
    landlord = make_user(role="landlord")
    listing = make_listing(owner=landlord, status="draft")
    operations.change_status(landlord, listing.id, "publish")
    assert listing.expires_at - listing.confirmed_at == timedelta(
        days=app.config["LISTING_TTL_DAYS"]
    )


def test_registry_announcements_never_expire(make_user, make_listing):
    official = make_user(role="official")
    listing = make_listing(kind="beds", owner=official, status="draft", source="registry")
    operations.change_status(official, listing.id, "publish")
    assert listing.expires_at is None


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


def test_the_expire_listings_command(app, make_user, make_listing):
    owner = make_user(role="landlord")
    listing = make_listing(owner=owner, expires_at=utcnow() - timedelta(days=1))
    db.session.commit()
    # Run as from a shell: its own app context and session (see tests/test_cli.py).
    runner = app.test_cli_runner()
    result = contextvars.Context().run(runner.invoke, cli, ["expire-listings"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 listing(s)" in result.output
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "expired"


# --- saved searches ------------------------------------------------------------------------


def test_saved_searches_match_with_the_search_conditions(make_user, make_listing):
    official = make_user(role="official")
    area = {
        "type": "Polygon",
        "coordinates": [[[7.9, 52.2], [8.2, 52.2], [8.2, 52.4], [7.9, 52.4], [7.9, 52.2]]],
    }
    family = saved_searches.create_saved_search(
        official, "Familien", ListingFilter(kind="flat", min_beds=4, max_rent=Decimal(900)), area
    )
    beds = saved_searches.create_saved_search(official, "Betten", ListingFilter(kind="beds"))
    boxed = saved_searches.create_saved_search(
        official, "Box", ListingFilter(bbox=(7.0, 52.0, 8.5, 53.0), available_by=day(30))
    )
    inside = make_listing(lat=52.3, lon=8.0, max_occupants=5)
    outside = make_listing(lat=53.5, lon=10.0, max_occupants=5)
    too_small = make_listing(lat=52.3, lon=8.0, max_occupants=2, available_from=day(200))
    assert [s.id for s in saved_searches.matching_saved_searches(inside)] == [family.id, boxed.id]
    assert saved_searches.matching_saved_searches(outside) == []
    assert saved_searches.matching_saved_searches(too_small) == []
    assert beds.id


def test_a_newly_published_match_notifies_once(make_user, make_listing):
    official = make_user(role="official")
    landlord = make_user(role="landlord")
    saved = saved_searches.create_saved_search(official, "Alles", ListingFilter())
    listing = make_listing(owner=landlord, status="draft")
    operations.change_status(landlord, listing.id, "publish")
    notes = _notes(official)
    assert [(n.kind, n.payload["listing_id"], n.payload["saved_search_id"]) for n in notes] == [
        ("saved_search_match", listing.id, saved.id)
    ]
    operations.change_status(landlord, listing.id, "withdraw")
    operations.change_status(landlord, listing.id, "publish")
    assert len(_notes(official)) == 1
    # Drafts and those who cannot see the listing hear nothing.
    operations.create_listing(
        landlord,
        {
            "kind": "flat",
            "title": "t",
            "max_occupants": 2,
            "address": {"postal_code": "10115", "city": "B"},
            "location": {"lat": 52.0, "lon": 8.0},
        },
    )
    assert len(_notes(official)) == 1
