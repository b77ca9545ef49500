"""Lists of proposals (a caseworker's, of their households; a landlord's incoming, for
their listings; one household's), newest first by keyset pages, and each proposal as its
reader sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from exchange.capacity.access import get_household_for
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import Organization, User

from .models import Proposal, ProposalStep
from .proposal_access import (
    case_side_clause,
    is_case_side,
    owner_side_clause,
    steps_for,
    visible_clause,
)
from .proposal_shares import HouseholdProfile, profile


def list_proposals(
    actor: User,
    direction: str | None = None,
    state: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    household_id: int | None = None,
) -> Page:
    """Proposals the actor sees, newest first: ``outgoing`` (of their households),
    ``incoming`` (for their listings), or both; of one ``household_id`` (404 outside the
    district) or in one ``state``."""
    authz.require_user(actor)
    clause = {"outgoing": case_side_clause, "incoming": owner_side_clause}.get(
        direction or "", visible_clause)(actor)
    stmt = select(Proposal).where(clause)
    if household_id is not None:
        get_household_for(actor, household_id)
        stmt = stmt.where(Proposal.household_id == household_id)
    if state is not None:
        stmt = stmt.where(Proposal.state == state)
    return page_by_id(stmt, Proposal.id, limit, cursor, newest_first=True)


@dataclass
class ProposalView:
    """A proposal as one reader sees it (ProposalSchema): the household as shared with
    the owner side (its id for the caseworker side only), the steps the reader may take."""

    proposal: Proposal
    household: HouseholdProfile
    listing: Listing | None
    organization_name: str
    proposed_by: User | None
    household_id: int | None
    actions: list[str]
    steps: list[ProposalStep] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.proposal, name)


def present(reader: User, proposal: Proposal, detail: bool = True) -> ProposalView:
    """``proposal`` as ``reader`` may see it; ``detail``: with its step log, and a profile
    that names the members is audited as a read of them."""
    organization = db.session.get(Organization, proposal.organization_id)
    return ProposalView(
        proposal=proposal,
        household=profile(proposal.household_id, reader if detail else None),
        listing=db.session.get(Listing, proposal.listing_id),
        organization_name=organization.name if organization is not None else "",
        proposed_by=(db.session.get(User, proposal.proposed_by_id)
                     if proposal.proposed_by_id is not None else None),
        household_id=proposal.household_id if is_case_side(reader, proposal) else None,
        actions=steps_for(reader, proposal),
        steps=list(db.session.scalars(
            select(ProposalStep).where(ProposalStep.proposal_id == proposal.id)
            .order_by(ProposalStep.id))) if detail else [],
    )


def present_page(reader: User, page: Page) -> Page:
    """A page of proposals as ``reader`` sees them (no names in lists)."""
    return Page([present(reader, p, detail=False) for p in page.items], page.next_cursor)
