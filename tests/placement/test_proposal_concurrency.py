"""Two landlords' clicks on "accept" for two households proposed for one flat, at the same
moment: the partial unique index decides, one wins, the other gets 409. Commits for real
(each accept in its own thread, session and connection) and cleans up what it made."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from exchange.capacity.models import Household, Person
from exchange.extensions import db
from exchange.placement import proposals
from exchange.placement.models import Proposal
from tests.concurrency import at_once, delete_made
from tests.listings.conftest import make_listing as make_listing  # noqa: F401  (fixture)


@pytest.fixture
def race(app, no_transaction, make_org, make_user, make_listing):  # noqa: F811
    with app.app_context():
        district = make_org("district")
        caseworker = make_user(role="caseworker", org=district)
        landlord = make_user(role="landlord")
        flat = make_listing(owner=landlord, title="Eine Wohnung")
        household_ids, person_ids = [], []
        for n in range(2):
            household = Household(organization_id=district.id)
            db.session.add(household)
            db.session.flush()
            person = Person(organization_id=district.id, family_name=f"P{n}", gender="x",
                            household_id=household.id)
            db.session.add(person)
            db.session.flush()
            household_ids.append(household.id)
            person_ids.append(person.id)
        ids = [proposals.propose(caseworker, h, flat.id).id for h in household_ids]
        made = {"org": district.id, "users": [caseworker.id, landlord.id],
                "landlord_org": flat.organization_id, "listing": flat.id,
                "households": household_ids, "persons": person_ids, "proposals": ids,
                "landlord": landlord.id}
        db.session.commit()
    yield made
    with app.app_context():
        rooms = list(db.session.scalars(
            select(Proposal.room_id).where(Proposal.id.in_(made["proposals"]))))
    delete_made(
        app,
        [("ALTER TABLE person_audit DISABLE TRIGGER person_audit_append_only", {}),
         ("DELETE FROM person_audit WHERE organization_id = :id", {"id": made["org"]}),
         ("ALTER TABLE person_audit ENABLE TRIGGER person_audit_append_only", {}),
         ("ALTER TABLE placement_proposal_steps DISABLE TRIGGER "
          "placement_proposal_steps_append_only", {}),
         ("DELETE FROM placement_proposal_steps WHERE proposal_id = ANY(:ids)",
          {"ids": made["proposals"]}),
         ("ALTER TABLE placement_proposal_steps ENABLE TRIGGER "
          "placement_proposal_steps_append_only", {}),
         ("DELETE FROM placement_proposals WHERE id = ANY(:ids)", {"ids": made["proposals"]})],
        rooms,
        [("DELETE FROM persons WHERE id = ANY(:ids)", {"ids": made["persons"]}),
         ("DELETE FROM households WHERE id = ANY(:ids)", {"ids": made["households"]}),
         ("DELETE FROM listings WHERE id = :id", {"id": made["listing"]})],
        made["users"], [made["org"], made["landlord_org"]],
    )


def test_two_accepts_for_one_flat_give_one_409(app, race):
    # Both pass the check before either has written: only the unique index can decide.
    checked = threading.Barrier(2)
    original = proposals._move

    def move_after_both_checked(proposal, actor, step):
        checked.wait(timeout=10)
        original(proposal, actor, step)

    proposals._move = move_after_both_checked
    try:
        results = at_once(app, race["landlord"], proposals.accept, race["proposals"])
    finally:
        proposals._move = original
    assert results == ["409", "accepted"]
    with app.app_context():
        states = sorted(db.session.scalars(
            select(Proposal.state).where(Proposal.id.in_(race["proposals"]))))
        assert states == ["accepted", "proposed"]
