"""Proposals (issue 18, points 3 and 6): a caseworker proposes a household for a flat, the
landlord sees only what the household agreed to share and answers, the household moves in
and its shelter beds are published free again; every step logged, tenancy by 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from exchange.capacity.models import Occupancy, PersonAudit, PlannedMoveOut
from exchange.chat.models import Member, Message
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.notifications.models import Notification
from exchange.placement.models import Proposal, ProposalStep
from tests.dates import iso
from tests.placement.proposal_fixtures import make_listing as make_listing  # noqa: F401
from tests.placement.proposal_fixtures import make_person as make_person  # noqa: F401
from tests.placement.proposal_fixtures import make_shelter as make_shelter  # noqa: F401
from tests.placement.proposal_fixtures import propose, world  # noqa: F401


def _kinds(user) -> list[str]:
    return list(db.session.scalars(
        select(Notification.kind).where(Notification.user_id == user.id)
        .order_by(Notification.id)))


def _step(client, proposal_id: int, step: str, **body):
    return client.post(f"/api/v1/proposals/{proposal_id}/{step}", json=body)


def test_proposing_tells_the_landlord_and_opens_their_conversation(world):  # noqa: F811
    made = propose(world, message="Familie mit kleinem Kind, sucht ab sofort.")
    assert made["state"] == "proposed"
    assert made["household_id"] == world.household.id
    assert "proposal_made" in _kinds(world.landlord.user)
    room_id = made["room_id"]
    members = set(db.session.scalars(select(Member.user_id).where(Member.room_id == room_id)))
    assert members == {world.caseworker.user.id, world.landlord.user.id}
    message = db.session.scalar(select(Message).where(Message.room_id == room_id))
    assert message.listing_id == world.flat.id
    assert "Familie mit kleinem Kind" in message.body
    # The landlord finds it among the incoming proposals.
    incoming = world.landlord.client.get("/api/v1/proposals?direction=incoming").get_json()
    assert [p["id"] for p in incoming["items"]] == [made["id"]]


def test_the_landlord_sees_counts_not_names_nor_special_categories(world):  # noqa: F811
    made = propose(world)
    answer = world.landlord.client.get(f"/api/v1/proposals/{made['id']}")
    assert answer.status_code == 200
    body = answer.get_json()
    household = body["household"]
    assert household["size"] == 3
    assert household["names"] is None
    assert household["languages"] == ["ar", "en"]
    assert {(c["age_band"], c["gender"], c["count"]) for c in household["composition"]} == {
        ("0-5", "f", 1), ("18-64", "f", 1), ("18-64", "m", 1)}
    assert household["arrival_date"] == world.persons[1].arrival_date.isoformat()
    assert body["household_id"] is None  # no handle on the registry for the owner side
    raw = answer.get_data(as_text=True)
    for secret in ("Haddad", "Rana", "muslim", "Diabetes"):
        assert secret not in raw
    page = world.landlord.client.get(f"/proposals/{made['id']}").get_data(as_text=True)
    for secret in ("Haddad", "muslim", "Diabetes"):
        assert secret not in page
    assert f'data-testid="accept-{made["id"]}"' in page


def test_names_only_after_recorded_consent_and_never_art9(world):  # noqa: F811
    made = propose(world)
    consent = world.caseworker.client.post("/api/v1/proposals/consents", json={
        "household_id": world.household.id, "shares": ["composition", "names"],
        "note": "Einwilligung unterschrieben"})
    assert consent.status_code == 201, consent.get_json()
    record = consent.get_json()
    assert record["recorded_by_id"] == world.caseworker.user.id
    assert record["recorded_at"]
    assert record["shares"] == ["composition", "names"]
    answer = world.landlord.client.get(f"/api/v1/proposals/{made['id']}")
    household = answer.get_json()["household"]
    assert household["names"] == ["Haddad, Rana", "Haddad, Omar", "Haddad, Lina"]
    assert household["languages"] is None and household["arrival_date"] is None
    raw = answer.get_data(as_text=True)
    assert "muslim" not in raw and "Diabetes" not in raw
    # The names the landlord read are audited as reads of each person (no data).
    reads = db.session.scalars(select(PersonAudit.person_id).where(
        PersonAudit.user_id == world.landlord.user.id, PersonAudit.action == "proposal_read"))
    assert sorted(reads) == sorted(p.id for p in world.persons)
    # Consent withdrawn: a newer record without names hides them at once.
    world.caseworker.client.post("/api/v1/proposals/consents", json={
        "household_id": world.household.id, "shares": []})
    household = world.landlord.client.get(f"/api/v1/proposals/{made['id']}").get_json()[
        "household"]
    assert household["names"] is None and household["composition"] is None
    assert household["size"] == 3
    history = world.caseworker.client.get(
        f"/api/v1/proposals/consents?household_id={world.household.id}").get_json()
    assert [c["shares"] for c in history["items"]] == [[], ["composition", "names"]]


def test_a_consent_naming_something_unknown_is_refused(world):  # noqa: F811
    answer = world.caseworker.client.post("/api/v1/proposals/consents", json={
        "household_id": world.household.id, "shares": ["religion"]})
    assert answer.status_code == 422
    assert "shares" in answer.get_json()["errors"]["json"]


def _planned(proposal_id: int) -> list[tuple[int, str, int]]:
    """The forecast's planned move-outs of a proposal: (shelter, day, persons)."""
    return [(row.shelter_id, row.moves_on.isoformat(), row.persons) for row in db.session.scalars(
        select(PlannedMoveOut).where(PlannedMoveOut.source.startswith(f"proposal:{proposal_id}:"))
        .order_by(PlannedMoveOut.shelter_id))]


def test_an_accept_that_falls_through_takes_its_planned_move_out_back(world):  # noqa: F811
    made = propose(world)
    _step(world.landlord.client, made["id"], "accept", move_in_date=iso(14))
    assert _planned(made["id"]) == [(world.shelter.id, iso(14), 3)]
    answer = _step(world.caseworker.client, made["id"], "withdraw", reason="Familie zieht weg")
    assert answer.status_code == 200, answer.get_json()
    assert _planned(made["id"]) == []


def test_viewing_accept_moved_in_frees_the_beds_and_lets_the_flat(world):  # noqa: F811
    made = propose(world)
    free_before = db.session.get(Listing, world.shelter.listing_id).free_beds
    landlord, caseworker = world.landlord.client, world.caseworker.client
    answer = _step(landlord, made["id"], "viewing", viewing_at=f"{iso(5)}T10:00:00+01:00")
    assert answer.status_code == 200 and answer.get_json()["state"] == "viewing"
    past = _step(landlord, made["id"], "accept", move_in_date=iso(-1))
    assert past.status_code == 422
    assert "move_in_date" in past.get_json()["errors"]["json"]
    accepted = _step(landlord, made["id"], "accept", move_in_date=iso(10)).get_json()
    assert accepted["state"] == "accepted"
    assert accepted["move_in_date"] == iso(10)  # the forecast counts the freed beds from then
    assert _planned(made["id"]) == [(world.shelter.id, iso(10), 3)]
    assert _kinds(world.caseworker.user)[-2:] == ["proposal_viewing", "proposal_accepted"]
    answer = _step(caseworker, made["id"], "moved-in")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "moved_in"
    db.session.expire_all()
    person_ids = [p.id for p in world.persons]
    still_housed = db.session.scalar(select(func.count()).select_from(Occupancy).where(
        Occupancy.person_id.in_(person_ids), func.upper_inf(Occupancy.period)))
    assert still_housed == 0
    assert db.session.get(Listing, world.shelter.listing_id).free_beds == free_before + 3
    assert db.session.get(Listing, world.flat.id).status == "let"
    assert _planned(made["id"]) == []  # the beds are free now, no longer planned to be
    assert "proposal_moved_in" in _kinds(world.landlord.user)
    steps = db.session.scalars(select(ProposalStep.action).where(
        ProposalStep.proposal_id == made["id"]).order_by(ProposalStep.id))
    assert list(steps) == ["propose", "viewing", "accept", "moved_in"]
    detail = caseworker.get(f"/api/v1/proposals/{made['id']}").get_json()
    assert [s["state"] for s in detail["steps"]] == ["proposed", "viewing", "accepted",
                                                     "moved_in"]
    audited = set(db.session.scalars(select(PersonAudit.action).where(
        PersonAudit.person_id.in_(person_ids))))
    assert {"proposal", "check_out", "moved_in"} <= audited


def test_moving_in_publishes_the_freed_beds_to_the_map_after_commit(
    world, socket_client, as_user  # noqa: F811
):
    from tests.conftest import own_app_context

    made = propose(world)
    _step(world.landlord.client, made["id"], "accept")
    db.session.commit()
    official = as_user(role="official")
    sock = socket_client(official)
    with own_app_context():
        sock.get_received()
    _step(world.caseworker.client, made["id"], "moved-in")
    with own_app_context():
        events = [e for e in sock.get_received() if e["name"] == "capacity"]
    assert events and events[-1]["args"][0]["shelter_id"] == world.shelter.id
    assert events[-1]["args"][0]["free_published"] == 4


def test_decline_needs_a_reason_and_tells_the_caseworker(world):  # noqa: F811
    made = propose(world)
    refused = _step(world.landlord.client, made["id"], "decline")
    assert refused.status_code == 422
    assert "reason" in refused.get_json()["errors"]["json"]
    answer = _step(world.landlord.client, made["id"], "decline", reason="Zu klein")
    assert answer.get_json()["state"] == "declined"
    assert answer.get_json()["reason"] == "Zu klein"
    assert _kinds(world.caseworker.user)[-1] == "proposal_declined"
    assert _step(world.landlord.client, made["id"], "accept").status_code == 409


def test_each_side_takes_only_its_own_steps(world):  # noqa: F811
    made = propose(world)
    assert _step(world.caseworker.client, made["id"], "accept").status_code == 403
    assert _step(world.landlord.client, made["id"], "withdraw").status_code == 403
    assert _step(world.landlord.client, made["id"], "moved-in").status_code == 403
    assert _step(world.caseworker.client, made["id"], "moved-in").status_code == 409
    answer = _step(world.caseworker.client, made["id"], "withdraw", reason="Andere Wohnung")
    assert answer.get_json()["state"] == "withdrawn"
    assert _kinds(world.landlord.user)[-1] == "proposal_withdrawn"
    assert db.session.get(Proposal, made["id"]).state == "withdrawn"


def test_one_flat_is_accepted_for_one_household_only(world, make_person):  # noqa: F811
    first = propose(world)
    other = world.caseworker.client.post("/api/v1/households", json={
        "member_ids": [make_person(world.district).id]})
    assert other.status_code in (200, 201), other.get_json()
    second = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": other.get_json()["id"], "listing_id": world.flat.id}).get_json()
    assert _step(world.landlord.client, first["id"], "accept").status_code == 200
    answer = _step(world.landlord.client, second["id"], "accept")
    assert answer.status_code == 409
    # Moving in declines the other open proposals for the flat.
    assert _step(world.caseworker.client, first["id"], "moved-in").status_code == 200
    assert db.session.get(Proposal, second["id"]).state == "declined"


def test_the_database_refuses_a_second_accepted_proposal_for_a_flat(world, make_person):  # noqa: F811
    first = propose(world)
    _step(world.landlord.client, first["id"], "accept")
    other = world.caseworker.client.post("/api/v1/households", json={
        "member_ids": [make_person(world.district).id]}).get_json()
    second = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": other["id"], "listing_id": world.flat.id}).get_json()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("UPDATE placement_proposals SET state = 'accepted' "
                                "WHERE id = :id"), {"id": second["id"]})


def test_a_household_is_proposed_once_per_flat_at_a_time(world):  # noqa: F811
    propose(world)
    again = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": world.flat.id})
    assert again.status_code == 409


def test_the_step_log_is_append_only(world):  # noqa: F811
    propose(world)
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("UPDATE placement_proposal_steps SET action = 'x'"))


def test_idempotency_key_stores_one_proposal(world):  # noqa: F811
    body = {"household_id": world.household.id, "listing_id": world.flat.id}
    headers = {"Idempotency-Key": "proposal-1"}
    first = world.caseworker.client.post("/api/v1/proposals", json=body, headers=headers)
    again = world.caseworker.client.post("/api/v1/proposals", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


# --- tenancy (point 6) ------------------------------------------------------------------


def test_another_districts_household_and_proposals_answer_404(world, as_user, make_org):  # noqa: F811
    made = propose(world)
    stranger = as_user(role="caseworker", org=make_org("district"))
    answer = stranger.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": world.flat.id})
    assert answer.status_code == 404
    assert stranger.get(f"/api/v1/proposals/{made['id']}").status_code == 404
    assert _step(stranger, made["id"], "withdraw").status_code == 404
    assert _step(stranger, made["id"], "moved-in").status_code == 404
    assert stranger.get(f"/api/v1/proposals?household_id={world.household.id}").status_code \
        == 404
    assert stranger.post("/api/v1/proposals/consents", json={
        "household_id": world.household.id, "shares": ["names"]}).status_code == 404
    assert stranger.get(f"/households/{world.household.id}").status_code == 404
    assert stranger.get(f"/proposals/{made['id']}").status_code == 404
    assert stranger.get("/api/v1/proposals").get_json()["items"] == []


def test_another_landlords_listing_and_proposals_answer_404(world, as_user, make_listing):  # noqa: F811
    made = propose(world)
    other = as_user(role="landlord")
    assert other.get(f"/api/v1/proposals/{made['id']}").status_code == 404
    for step, body in (("accept", {}), ("viewing", {}), ("decline", {"reason": "x"})):
        assert _step(other, made["id"], step, **body).status_code == 404
    assert other.get("/api/v1/proposals?direction=incoming").get_json()["items"] == []
    assert db.session.get(Proposal, made["id"]).state == "proposed"
    # A draft flat of another landlord is out of the caseworker's sight: 404.
    draft = make_listing(status="draft")
    answer = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": draft.id})
    assert answer.status_code == 404
    missing = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": 2_000_000_000})
    assert missing.status_code == 404


def test_free_bed_announcements_are_not_proposed_for(world):  # noqa: F811
    answer = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": world.shelter.listing_id})
    assert answer.status_code == 422
    assert "listing_id" in answer.get_json()["errors"]["json"]


def test_a_restricted_member_keeps_the_household_from_being_proposed(world):  # noqa: F811
    world.persons[0].restricted_at = func.now()
    world.persons[0].restriction_reason = "Widerspruch"
    db.session.flush()
    answer = world.caseworker.client.post("/api/v1/proposals", json={
        "household_id": world.household.id, "listing_id": world.flat.id})
    assert answer.status_code == 404


# --- pages --------------------------------------------------------------------------------


def test_pages_propose_accept_and_move_in(world):  # noqa: F811
    caseworker, landlord = world.caseworker.client, world.landlord.client
    page = caseworker.get(f"/households/{world.household.id}")
    assert page.status_code == 200
    assert 'data-testid="propose"' in page.get_data(as_text=True)
    answer = caseworker.post(f"/households/{world.household.id}/propose",
                             data={"listing_id": str(world.flat.id), "message": "Hallo",
                                   "csrf_token": caseworker.csrf_token})
    assert answer.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    incoming = landlord.get("/proposals").get_data(as_text=True)
    assert f'data-testid="accept-{proposal.id}"' in incoming
    landlord.post(f"/proposals/{proposal.id}/accept",
                  data={"csrf_token": landlord.csrf_token, "back": "list"})
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "accepted"
    page = caseworker.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'data-testid="moved_in-{proposal.id}"' in page
    caseworker.post(f"/proposals/{proposal.id}/moved_in",
                    data={"csrf_token": caseworker.csrf_token})
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "moved_in"
