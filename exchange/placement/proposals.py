"""Proposals of a household for a flat: propose, viewing, accept, decline, withdraw, moved
in. Each step locks the proposal row, checks side and state (proposal_access), writes its
step to the append-only log, tells the other side (notification, after commit a socket
event) and leaves the commit to the request.

One flat is never accepted for two households: a partial unique index decides between two
accepts that race (the loser's 23505 becomes a 409 here). Moving in ends the household's
shelter occupancies through capacity's occupancy service (its freed beds are published in
the same transaction, their map events sent after commit) and lets the listing, in one
transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange import notifications
from exchange.capacity.access import get_household_for, get_persons_for
from exchange.capacity.audit import audit
from exchange.capacity.occupancy import check_out_household
from exchange.chat.listing_requests import owner_side_room
from exchange.chat.messages import do_post_message
from exchange.db import utcnow
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.i18n import N_
from exchange.listings import access as listing_access
from exchange.listings import operations as listing_operations
from exchange.listings.models import Listing, ListingKind, ListingStatus
from exchange.listings.notices import owner_recipients
from exchange.profiles.models import User

from . import events, move_outs
from .models import Proposal, ProposalState, ProposalStep
from .proposal_access import STEPS, get_proposal_for, is_case_side, is_owner_side
from .proposal_shares import members

P = ProposalState
#: The notification each step sends to the other side.
NOTICE_OF = {
    "propose": "proposal_made",
    "viewing": "proposal_viewing",
    "accept": "proposal_accepted",
    "decline": "proposal_declined",
    "withdraw": "proposal_withdrawn",
    "moved_in": "proposal_moved_in",
}
#: person_audit actions: the household proposed (its profile shared), and moved out.
PROPOSE_AUDIT = "proposal"
MOVED_IN_AUDIT = "moved_in"
#: The reason of the proposals declined because the flat was let to another household
#: (stored in English, shown in the reader's language).
LET_ELSEWHERE = N_("The flat has been let to another household.")
TAKEN_INDEX = "uq_placement_proposals_listing_taken"
OPEN_INDEX = "uq_placement_proposals_household_listing_open"
# The words of the states in messages, in the reader's language (exchange.errors.Text).
_WORDS = {
    "proposed": Text("proposed"),
    "viewing": Text("in viewing"),
    "accepted": Text("accepted"),
    "moved_in": Text("moved in"),
    "declined": Text("declined"),
    "withdrawn": Text("withdrawn"),
}


def _log(proposal: Proposal, actor: User | None, action: str) -> None:
    db.session.add(ProposalStep(proposal_id=proposal.id, user_id=actor.id if actor else None,
                                action=action, state=proposal.state))


def steps_of(proposal: Proposal) -> list[ProposalStep]:
    return list(db.session.scalars(
        select(ProposalStep).where(ProposalStep.proposal_id == proposal.id)
        .order_by(ProposalStep.id)
    ))


def _payload(proposal: Proposal, actor: User | None) -> dict:
    """What a notification about a proposal carries: no person data, counts at most."""
    listing = db.session.get(Listing, proposal.listing_id)
    return {
        "proposal_id": proposal.id,
        "listing_id": proposal.listing_id,
        "title": listing.title if listing is not None else "",
        "state": proposal.state,
        "size": len(members(proposal.household_id)),
        "room_id": proposal.room_id,
        "reason": proposal.reason,
        "by": {"id": actor.id, "name": actor.name} if actor is not None else None,
    }


def case_recipients(proposal: Proposal) -> list[int]:
    """Who hears the owner side's answers: the proposing caseworker."""
    return [proposal.proposed_by_id] if proposal.proposed_by_id is not None else []


def _tell(user_ids, step: str, proposal: Proposal, actor: User | None) -> None:
    payload = _payload(proposal, actor)
    for user_id in dict.fromkeys(user_ids):
        if user_id is not None and (actor is None or user_id != actor.id):
            notifications.notify(user_id, NOTICE_OF[step], payload)
    events.proposal_changed(proposal, [*case_recipients(proposal), *_owners(proposal)])


def _owners(proposal: Proposal) -> list[int]:
    listing = db.session.get(Listing, proposal.listing_id)
    return owner_recipients(listing) if listing is not None else []


def _flush_guarded(field: str) -> None:
    """Flush; a unique index of proposals that refuses it is a 409 naming ``field``."""
    try:
        db.session.flush()
    except IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", "")
        if constraint == TAKEN_INDEX:
            raise Conflict("This flat has been accepted for another household already.",
                           field="listing_id") from None
        if constraint == OPEN_INDEX:
            raise Conflict("This household is proposed for this flat already.",
                           field="listing_id") from None
        raise


def propose(actor: User, household_id: int, listing_id: int, message: str = "") -> Proposal:
    """A caseworker proposes a household of their district for a flat they see on the map
    (published or reserved). The owner side is notified and a conversation with it is
    opened (chat's owner_side_room), its first message sharing the flat."""
    household = get_household_for(actor, household_id)  # 404 outside the district
    persons = members(household.id)
    if not persons:
        raise InvalidInput({"household_id": "This household has no members."})
    # A restricted member (GDPR Art. 18) is not processed: 404 as for a record out of reach.
    get_persons_for(actor, [p.id for p in persons], lock=True)
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing_access.may_see(actor, listing):
        raise NotFound()
    if listing.kind != ListingKind.FLAT:
        raise InvalidInput({"listing_id": "Only flats can be proposed for."})
    if listing.status not in listing_access.STAFF_VISIBLE:
        raise Conflict("This flat is not on offer.", field="listing_id")
    proposal = Proposal(household_id=household.id, organization_id=household.organization_id,
                        listing_id=listing.id, state=P.PROPOSED.value,
                        message=message.strip(), proposed_by_id=actor.id)
    db.session.add(proposal)
    _flush_guarded("listing_id")
    room, _other = owner_side_room(actor, listing)
    do_post_message(actor, room.id, proposal.message, listing_id=listing.id)
    proposal.room_id = room.id
    _log(proposal, actor, "propose")
    db.session.flush()
    audit(actor, persons, PROPOSE_AUDIT)
    _tell(owner_recipients(listing), "propose", proposal, actor)
    return proposal


def _start(actor: User, proposal_id: int, step: str) -> Proposal:
    """The locked proposal, if ``actor`` is on the side that takes ``step`` and its state
    allows it: 403 for the wrong side, 409 for the wrong state."""
    proposal = get_proposal_for(actor, proposal_id, lock=True)
    owner_step = step in ("viewing", "accept", "decline")
    side = is_owner_side(actor, proposal) if owner_step else is_case_side(actor, proposal)
    if not side:
        raise Forbidden("Only the flat's owner side may answer a proposal." if owner_step
                        else "Only caseworkers of the household's district may do this.")
    sources, _target = STEPS[step]
    if proposal.state not in sources:
        raise Conflict(Text("The proposal is %(state)s.",
                            state=_WORDS.get(proposal.state, proposal.state)), field="state")
    return proposal


def _move(proposal: Proposal, actor: User, step: str) -> None:
    proposal.state = STEPS[step][1]
    if step in ("accept", "decline"):
        proposal.decided_by_id = actor.id
        proposal.decided_at = utcnow()


def arrange_viewing(actor: User, proposal_id: int, viewing_at: datetime | None = None) -> \
        Proposal:
    """The owner side arranges a viewing (at ``viewing_at``, when given)."""
    proposal = _start(actor, proposal_id, "viewing")
    _move(proposal, actor, "viewing")
    proposal.viewing_at = viewing_at
    db.session.flush()
    _log(proposal, actor, "viewing")
    _tell(case_recipients(proposal), "viewing", proposal, actor)
    return proposal


def accept(actor: User, proposal_id: int, move_in_date: date | None = None) -> Proposal:
    """The owner side accepts: the flat is promised to this household from
    ``move_in_date`` (not in the past; default: the flat's available_from when still
    ahead, else none). 409 when the flat is off the market or accepted for another
    household (checked here, settled by the unique index when two accepts race)."""
    if move_in_date is not None and move_in_date < date.today():
        raise InvalidInput({"move_in_date": "Must not be in the past."})
    proposal = _start(actor, proposal_id, "accept")
    listing = db.session.get(Listing, proposal.listing_id)
    if move_in_date is None and listing.available_from is not None \
            and listing.available_from >= date.today():
        move_in_date = listing.available_from
    proposal.move_in_date = move_in_date
    if listing.status not in listing_access.STAFF_VISIBLE:
        raise Conflict("This flat is not on offer any more.", field="listing_id")
    taken = db.session.scalar(select(Proposal.id).where(
        Proposal.listing_id == proposal.listing_id, Proposal.id != proposal.id,
        Proposal.state.in_(["accepted", "moved_in"])))
    if taken is not None:
        raise Conflict("This flat has been accepted for another household already.",
                       field="listing_id")
    _move(proposal, actor, "accept")
    _flush_guarded("listing_id")
    move_outs.plan(proposal)
    _log(proposal, actor, "accept")
    _tell(case_recipients(proposal), "accept", proposal, actor)
    return proposal


def decline(actor: User, proposal_id: int, reason: str) -> Proposal:
    """The owner side declines, with a reason the caseworker reads (422 without one)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Give a reason."})
    proposal = _start(actor, proposal_id, "decline")
    _move(proposal, actor, "decline")
    proposal.reason = reason
    db.session.flush()
    move_outs.cancel(proposal)
    _log(proposal, actor, "decline")
    _tell(case_recipients(proposal), "decline", proposal, actor)
    return proposal


def withdraw(actor: User, proposal_id: int, reason: str = "") -> Proposal:
    """The caseworker side takes a proposal back (the owner side is told)."""
    proposal = _start(actor, proposal_id, "withdraw")
    _move(proposal, actor, "withdraw")
    proposal.reason = (reason or "").strip() or None
    db.session.flush()
    move_outs.cancel(proposal)
    _log(proposal, actor, "withdraw")
    _tell(_owners(proposal), "withdraw", proposal, actor)
    return proposal


def moved_in(actor: User, proposal_id: int) -> Proposal:
    """The household has moved into the flat, in one transaction: its open shelter
    occupancies end (capacity publishes the freed beds; the map hears after commit), the
    listing is let (published → reserved → let, or reserved → let), the other open
    proposals for the flat are declined, and both sides are told."""
    proposal = _start(actor, proposal_id, "moved_in")
    # Lock order of capacity and publication: persons, beds, counters, then listings.
    check_out_household(actor, proposal.household_id)
    listing = db.session.scalar(
        select(Listing).where(Listing.id == proposal.listing_id).with_for_update()
        .execution_options(populate_existing=True))
    if listing.status == ListingStatus.PUBLISHED:
        listing_operations.transition(listing, "reserve", actor)
    if listing.status != ListingStatus.RESERVED:
        raise Conflict("This flat is not on offer any more; it cannot be let.",
                       field="listing_id")
    listing_operations.transition(listing, "let", actor)
    proposal.state = P.MOVED_IN.value
    proposal.moved_in_at = utcnow()
    db.session.flush()
    move_outs.cancel(proposal)  # the beds are free now, no longer planned to be
    _log(proposal, actor, "moved_in")
    audit(actor, members(proposal.household_id), MOVED_IN_AUDIT)
    _tell(_owners(proposal), "moved_in", proposal, actor)
    _decline_others(proposal, actor)
    return proposal


def _decline_others(proposal: Proposal, actor: User) -> None:
    """The flat is let: the other open proposals for it are declined, their caseworkers
    told."""
    others = db.session.scalars(
        select(Proposal)
        .where(Proposal.listing_id == proposal.listing_id, Proposal.id != proposal.id,
               Proposal.state.in_(["proposed", "viewing"]))
        .order_by(Proposal.id).with_for_update()
    ).all()
    for other in others:
        other.state = P.DECLINED.value
        other.reason = LET_ELSEWHERE
        other.decided_at = utcnow()
        db.session.flush()
        _log(other, actor, "decline")
        _tell(case_recipients(other), "decline", other, None)
