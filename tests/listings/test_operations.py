"""Listing operations: the status machine, its row locks, the availability period a
publication starts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from exchange.errors import Conflict
from exchange.extensions import db
from exchange.listings import operations
from exchange.listings.models import Listing
from exchange.listings.operations import TRANSITIONS

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
