"""Two accepts for the last beds at the same moment: the database decides (row locks), one
wins, the other gets 409. Commits for real (each accept in its own thread, session and
connection) and cleans up what it made."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from exchange.capacity import shelters, transfers
from exchange.capacity.models import BedTransfer, Shelter
from exchange.extensions import db
from exchange.listings.models import Listing
from tests.concurrency import at_once, delete_made


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
    delete_made(
        app,
        [("DELETE FROM bed_transfers WHERE id = ANY(:ids)", {"ids": made["transfers"]})],
        rooms,
        [("DELETE FROM beds WHERE room_id IN (SELECT id FROM rooms WHERE shelter_id = :id)",
          {"id": made["shelter"]}),
         ("DELETE FROM rooms WHERE shelter_id = :id", {"id": made["shelter"]}),
         ("DELETE FROM shelters WHERE id = :id", {"id": made["shelter"]}),
         ("DELETE FROM listings WHERE id = :id", {"id": made["listing"]})],
        made["users"], made["orgs"],
    )


def test_two_accepts_for_the_last_beds_give_one_409(app, world):
    results = at_once(app, world["decider"], transfers.accept_transfer, world["transfers"])
    assert results == ["409", "accepted"]
    with app.app_context():
        assert db.session.get(Listing, world["listing"]).free_beds == 1
        assert db.session.get(Shelter, world["shelter"]).held_beds == 3
