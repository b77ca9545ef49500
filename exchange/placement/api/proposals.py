"""REST API of proposals (exchange.placement.proposals): parse, call the service, dump
the proposal as the caller may see it. The request commits; events follow the commit."""

from __future__ import annotations

from flask_login import current_user

from exchange.openapi import api_blueprint, endpoint
from exchange.profiles.models import User

from .. import proposal_lists, proposal_shares, proposals
from ..proposal_access import get_proposal_for
from ..schemas.proposals import (
    AcceptArgs,
    ConsentArgs,
    ConsentListArgs,
    ConsentListSchema,
    ConsentSchema,
    DeclineArgs,
    ProposalCreateArgs,
    ProposalListArgs,
    ProposalPageSchema,
    ProposalSchema,
    ViewingArgs,
    WithdrawArgs,
)

blp = api_blueprint("placement_proposals", __name__,
                    "Proposals: a caseworker proposes a household for a flat, the landlord "
                    "answers, the household moves in")


def _actor() -> User:
    return current_user._get_current_object()


def _answer(proposal):
    user = _actor()
    return proposal_lists.present(user, proposal)


@endpoint(blp, "post", "/proposals", 201, ProposalSchema, body=ProposalCreateArgs,
          errors={409: "The flat is not on offer, or the household is proposed for it already"})
def create_proposal(args: dict):
    """Propose a household of your district for a flat: the owner side is notified and a
    conversation with them opens."""
    return _answer(proposals.propose(_actor(), args["household_id"], args["listing_id"],
                                     args["message"]))


@endpoint(blp, "get", "/proposals", 200, ProposalPageSchema, query=ProposalListArgs)
def list_proposals(args: dict):
    """Proposals of your households (`outgoing`), for your listings (`incoming`), or both;
    newest first."""
    user = _actor()
    page = proposal_lists.list_proposals(user, args["direction"], args["state"],
                                         args["limit"], args["cursor"], args["household_id"])
    return proposal_lists.present_page(user, page)


@endpoint(blp, "get", "/proposals/<int:proposal_id>", 200, ProposalSchema)
def get_proposal(proposal_id: int):
    """One proposal (either side), with its steps; names only with the household's consent."""
    return _answer(get_proposal_for(_actor(), proposal_id))


@endpoint(blp, "post", "/proposals/<int:proposal_id>/viewing", 200, ProposalSchema,
          body=ViewingArgs, errors={409: "Not proposed (or in viewing) any more"})
def arrange_viewing(args: dict, proposal_id: int):
    """The owner side arranges a viewing (proposed → viewing)."""
    return _answer(proposals.arrange_viewing(_actor(), proposal_id, args["viewing_at"]))


@endpoint(blp, "post", "/proposals/<int:proposal_id>/accept", 200, ProposalSchema,
          body=AcceptArgs,
          errors={409: "Decided already, or the flat is accepted for another household"})
def accept_proposal(args: dict, proposal_id: int):
    """The owner side accepts (proposed or viewing → accepted), with the planned day of
    moving in; one household per flat."""
    return _answer(proposals.accept(_actor(), proposal_id, args["move_in_date"]))


@endpoint(blp, "post", "/proposals/<int:proposal_id>/decline", 200, ProposalSchema,
          body=DeclineArgs, errors={409: "Decided already"})
def decline_proposal(args: dict, proposal_id: int):
    """The owner side declines, with a reason."""
    return _answer(proposals.decline(_actor(), proposal_id, args["reason"]))


@endpoint(blp, "post", "/proposals/<int:proposal_id>/withdraw", 200, ProposalSchema,
          body=WithdrawArgs, errors={409: "Decided already"})
def withdraw_proposal(args: dict, proposal_id: int):
    """The caseworker side takes the proposal back."""
    return _answer(proposals.withdraw(_actor(), proposal_id, args["reason"]))


@endpoint(blp, "post", "/proposals/<int:proposal_id>/moved-in", 200, ProposalSchema,
          errors={409: "Not accepted, or the flat is off the market"})
def mark_moved_in(proposal_id: int):
    """The household has moved in (accepted → moved_in): its shelter beds are freed and
    published, the listing is let, in one transaction."""
    return _answer(proposals.moved_in(_actor(), proposal_id))


@endpoint(blp, "post", "/proposals/consents", 201, ConsentSchema, body=ConsentArgs)
def record_consent(args: dict):
    """Record what a household of your district agreed to share with landlords (the newest
    record counts; names only when listed)."""
    return proposal_shares.record_consent(_actor(), args["household_id"], args["shares"],
                                          args["note"])


@endpoint(blp, "get", "/proposals/consents", 200, ConsentListSchema, query=ConsentListArgs)
def list_consents(args: dict):
    """A household's consent records, newest first (its district's caseworkers)."""
    return {"items": proposal_shares.consents(_actor(), args["household_id"])}
