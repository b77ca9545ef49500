"""Accepted proposals as the forecast's planned move-outs (capacity.allocations): on the
agreed day of moving in, the household's members leave the shelters they sleep in, so the
district's free-bed forecast counts those beds from that week on. One planned move-out per
proposal and shelter (source ``proposal:<id>:<shelter id>``); it goes when the proposal
falls through or the household has moved in (then the beds are free for real)."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.capacity import allocations
from exchange.capacity.models import Bed, Occupancy, PlannedMoveOut, ShelterRoom
from exchange.extensions import db

from .models import Proposal
from .proposal_shares import members


def _prefix(proposal: Proposal) -> str:
    return f"proposal:{proposal.id}:"


def plan(proposal: Proposal) -> None:
    """Plan the move-outs of an accepted proposal with a moving-in date (none without)."""
    cancel(proposal)
    if proposal.move_in_date is None:
        return
    person_ids = [person.id for person in members(proposal.household_id)]
    housed = db.session.execute(
        select(ShelterRoom.shelter_id, func.count())
        .select_from(Occupancy)
        .join(Bed, Bed.id == Occupancy.bed_id)
        .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
        .where(Occupancy.person_id.in_(person_ids), func.upper_inf(Occupancy.period))
        .group_by(ShelterRoom.shelter_id)
        .order_by(ShelterRoom.shelter_id)
    ).all()
    for shelter_id, persons in housed:
        allocations.plan_move_out(f"{_prefix(proposal)}{shelter_id}", shelter_id,
                                  proposal.move_in_date, persons,
                                  note=f"Vorschlag {proposal.id}")


def cancel(proposal: Proposal) -> None:
    """Drop the proposal's planned move-outs (declined, withdrawn or moved in)."""
    sources = db.session.scalars(
        select(PlannedMoveOut.source)
        .where(PlannedMoveOut.source.startswith(_prefix(proposal)))
        .order_by(PlannedMoveOut.source)
    ).all()
    for source in sources:
        allocations.cancel_move_out(source)
