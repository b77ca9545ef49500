"""Who reaches which proposal, and who may take which step (issue 18, points 3 and 6).

- the caseworker side: caseworkers and admins reaching the household's district
  (capacity's CASE_ROLES and reach); they propose, withdraw and mark moved in;
- the owner side: the listing's owner and the managers of its owning organisation
  (listings' may_manage); they arrange a viewing, accept or decline;
- anyone else: 404, whatever id they send.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select

from exchange.capacity.access import CASE_ROLES, capacity_scope
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.listings import access as listing_access
from exchange.listings.models import Listing
from exchange.profiles import authz
from exchange.profiles.models import User

from .models import Proposal

#: Where each step may start, and where it leads.
STEPS: dict[str, tuple[frozenset[str], str]] = {
    "viewing": (frozenset({"proposed", "viewing"}), "viewing"),
    "accept": (frozenset({"proposed", "viewing"}), "accepted"),
    "decline": (frozenset({"proposed", "viewing", "accepted"}), "declined"),
    "withdraw": (frozenset({"proposed", "viewing", "accepted"}), "withdrawn"),
    "moved_in": (frozenset({"accepted"}), "moved_in"),
}
#: The steps of each side.
OWNER_STEPS = ("viewing", "accept", "decline")
CASE_STEPS = ("withdraw", "moved_in")


def case_reach(user: User) -> set[int]:
    """The districts (and those below) whose households the user acts for."""
    return capacity_scope(user, CASE_ROLES)


def _owned_listing_ids(user: User):
    managed = sorted(authz.organizations_with_role(user, listing_access.MANAGER_ROLES))
    return select(Listing.id).where(
        or_(Listing.owner_id == user.id, Listing.organization_id.in_(managed))
    )


def case_side_clause(user: User) -> ColumnElement[bool]:
    reach = case_reach(user)
    return Proposal.organization_id.in_(sorted(reach)) if reach else false()


def owner_side_clause(user: User) -> ColumnElement[bool]:
    return Proposal.listing_id.in_(_owned_listing_ids(user))


def visible_clause(user: User) -> ColumnElement[bool]:
    """Proposals the user sees: of their households, or for their listings."""
    return or_(case_side_clause(user), owner_side_clause(user))


def is_case_side(user: User, proposal: Proposal) -> bool:
    return proposal.organization_id in case_reach(user)


def is_owner_side(user: User, proposal: Proposal) -> bool:
    listing = db.session.get(Listing, proposal.listing_id)
    return listing is not None and listing_access.may_manage(user, listing)


def get_proposal_for(user: User, proposal_id: int, lock: bool = False) -> Proposal:
    """A proposal of either side, else 404; ``lock``: its row locked for a step."""
    authz.require_user(user)
    stmt = select(Proposal).where(Proposal.id == proposal_id, visible_clause(user))
    if lock:
        stmt = stmt.with_for_update(of=Proposal).execution_options(populate_existing=True)
    proposal = db.session.scalar(stmt)
    if proposal is None:
        raise NotFound()
    return proposal


def may_step(user: User, proposal: Proposal, step: str) -> bool:
    """Whether ``user`` may take ``step`` on ``proposal`` now (its side, its state)."""
    sources, _target = STEPS[step]
    if proposal.state not in sources:
        return False
    if step in OWNER_STEPS:
        return is_owner_side(user, proposal)
    return is_case_side(user, proposal)


def steps_for(user: User, proposal: Proposal) -> list[str]:
    """The steps ``user`` may take on ``proposal`` now (the pages show only those)."""
    owner = is_owner_side(user, proposal)
    case = is_case_side(user, proposal)
    return [
        step for step, (sources, _target) in STEPS.items()
        if proposal.state in sources and (owner if step in OWNER_STEPS else case)
    ]
