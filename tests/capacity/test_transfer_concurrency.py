"""Two accepts for the last beds at the same moment: the database decides (row locks), one
wins, the other gets 409. Commits for real (each accept in its own thread, session and
connection) and cleans up what it made."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from exchange.capacity import shelters, transfers
from exchange.capacity.models import BedTransfer, Shelter
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles.models import User


@pytest.fixture
def world(app, no_transaction, make_org, make_user):
    with app.app_context():
        a, b = make_org("district"), make_org("district")
        asker = make_user(role="official", org=a)
        decider = make_user(role="official", org=b)
        caseworker = make_user(role="caseworker", org=b)
        shelter = shelters.create_shelter(caseworker, {
            "name": "Halle", "kind": "collective",
            "address": {"street": "", "postal_code": "10115", "city": "Berlin"},
            "location": {"lat": 52.5, "lon": 13.4}, "publish_capacity": True,
            "reserve_beds": 0,
        }, b.id)
        shelters.add_room(caseworker, shelter.id, "R1", "mixed", beds=4)
        until = date.today() + timedelta(days=7)
        ids = [
            transfers.request_transfer(asker, shelter.listing_id, 3, until).id
            for _ in range(2)
        ]
        made = {
            "orgs": [a.id, b.id], "users": [asker.id, decider.id, caseworker.id],
            "shelter": shelter.id, "listing": shelter.listing_id, "transfers": ids,
            "decider": decider.id,
        }
        db.session.commit()
    yield made
    with app.app_context():
        rooms = list(db.session.scalars(
            select(BedTransfer.room_id).where(BedTransfer.id.in_(made["transfers"]))
        ))
        for statement, params in (
            ("DELETE FROM bed_transfers WHERE id = ANY(:ids)", {"ids": made["transfers"]}),
            ("DELETE FROM chat_messages WHERE room_id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM chat_members WHERE room_id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM chat_rooms WHERE id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM notifications WHERE user_id = ANY(:ids)", {"ids": made["users"]}),
            ("DELETE FROM beds WHERE room_id IN (SELECT id FROM rooms WHERE shelter_id = :id)",
             {"id": made["shelter"]}),
            ("DELETE FROM rooms WHERE shelter_id = :id", {"id": made["shelter"]}),
            ("DELETE FROM shelters WHERE id = :id", {"id": made["shelter"]}),
            ("DELETE FROM listings WHERE id = :id", {"id": made["listing"]}),
            ("DELETE FROM memberships WHERE user_id = ANY(:ids)", {"ids": made["users"]}),
            ("DELETE FROM users WHERE id = ANY(:ids)", {"ids": made["users"]}),
            ("DELETE FROM organizations WHERE id = ANY(:ids)", {"ids": made["orgs"]}),
        ):
            db.session.execute(text(statement), params)
        db.session.commit()


def test_two_accepts_for_the_last_beds_give_one_409(app, world):
    barrier = threading.Barrier(2)

    def accept(transfer_id: int) -> str:
        with app.app_context():
            user = db.session.get(User, world["decider"])
            barrier.wait()
            try:
                transfers.accept_transfer(user, transfer_id)
                db.session.commit()
                return "accepted"
            except Conflict:
                db.session.rollback()
                return "409"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(accept, world["transfers"]))
    assert results == ["409", "accepted"]
    with app.app_context():
        assert db.session.get(Listing, world["listing"]).free_beds == 1
        assert db.session.get(Shelter, world["shelter"]).held_beds == 3
