"""HTML pages of proposals: the list (a caseworker's proposals, a landlord's incoming),
one proposal with the steps at hand (where every notification leads), the household page
with its consent record and the "propose" form, and the plain form posts of each step.

A step returns to the page it was taken on; a refusal comes back as a flashed message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from exchange.capacity.access import get_household_for
from exchange.errors import InvalidInput, ServiceError, form_action
from exchange.extensions import db
from exchange.listings import access as listing_access
from exchange.listings.models import Listing
from exchange.profiles import authz
from exchange.profiles.models import Role

from . import proposal_lists, proposal_shares, proposals
from .models import CONSENT_SHARES
from .proposal_access import case_reach, get_proposal_for
from .views import matching_context

bp = Blueprint("placement_views", __name__, template_folder="templates")

#: Proposals per table of /proposals, the newest.
PROPOSAL_PAGE = 200


def _user():
    return current_user._get_current_object()


@bp.get("/proposals")
@login_required
def proposals_page():
    user = _user()
    outgoing = proposal_lists.list_proposals(user, "outgoing", limit=PROPOSAL_PAGE)
    incoming = proposal_lists.list_proposals(user, "incoming", limit=PROPOSAL_PAGE)
    return render_template(
        "placement/proposals.html",
        outgoing=proposal_lists.present_page(user, outgoing).items,
        incoming=proposal_lists.present_page(user, incoming).items,
        caseworker=bool(case_reach(user)),
    )


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal_page(proposal_id: int):
    """One proposal with what the viewer may do now (404 outside both sides)."""
    user = _user()
    try:
        proposal = get_proposal_for(user, proposal_id)
    except ServiceError:
        abort(404)
    return render_template("placement/proposal.html",
                           p=proposal_lists.present(user, proposal),
                           let_elsewhere=proposals.LET_ELSEWHERE)


@bp.get("/households/<int:household_id>")
@login_required
def household_page(household_id: int):
    """A household of the caseworker's district, its one page: its needs and the flats
    that fit it (each with a "Propose" button), what is shared with landlords, its consent
    record, the "propose for a flat" form and its proposals."""
    user = _user()
    try:
        household = get_household_for(user, household_id)
    except ServiceError:
        abort(404)
    page = proposal_lists.list_proposals(user, household_id=household.id, limit=PROPOSAL_PAGE)
    listing_id = request.args.get("listing_id", type=int)
    listing = None
    if listing_id is not None:
        found = db.session.get(Listing, listing_id)
        listing = found if found is not None and listing_access.may_see(user, found) else None
    return render_template(
        "placement/proposal_household.html",
        household=household,
        shared=proposal_shares.profile(household.id),
        consent=proposal_shares.latest_consent(household.id),
        shares=CONSENT_SHARES,
        proposals=proposal_lists.present_page(user, page).items,
        listing=listing,
        **matching_context(user, household.id),
    )


@bp.post("/households/<int:household_id>/consent")
@login_required
def consent_action(household_id: int):
    form_action(lambda: proposal_shares.record_consent(
        _user(), household_id, request.form.getlist("shares"), request.form.get("note", "")),
        str(_l("The consent is recorded.")))
    return redirect(url_for("placement_views.household_page", household_id=household_id))


@bp.post("/households/<int:household_id>/propose")
@login_required
def propose_action(household_id: int):
    def call():
        raw = request.form.get("listing_id", "").strip()
        if not raw.isdigit():
            raise InvalidInput({"listing_id": "Not a valid listing number."})
        return proposals.propose(_user(), household_id, int(raw),
                                 request.form.get("message", ""))

    proposal = form_action(call, str(_l("The household is proposed; the landlord is told.")))
    if proposal is None:
        return redirect(url_for("placement_views.household_page", household_id=household_id))
    return redirect(url_for("placement_views.proposal_page", proposal_id=proposal.id))


def _viewing_at() -> datetime | None:
    value = request.form.get("viewing_at", "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput({"viewing_at": "Not a valid date and time."}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _move_in_date() -> date | None:
    value = request.form.get("move_in_date", "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({"move_in_date": "Not a valid date."}) from None


#: What each step does, and what the page says when it is done.
_STEPS = {
    "viewing": (lambda user, pid: proposals.arrange_viewing(user, pid, _viewing_at()),
                _l("The viewing is arranged.")),
    "accept": (lambda user, pid: proposals.accept(user, pid, _move_in_date()),
               _l("The proposal is accepted.")),
    "decline": (lambda user, pid: proposals.decline(user, pid, request.form.get("reason", "")),
                _l("The proposal is declined.")),
    "withdraw": (lambda user, pid: proposals.withdraw(user, pid, request.form.get("reason", "")),
                 _l("The proposal is withdrawn.")),
    "moved_in": (lambda user, pid: proposals.moved_in(user, pid),
                 _l("Moved in: the shelter beds are free again and the flat is let.")),
}


@bp.post("/proposals/<int:proposal_id>/<any(viewing, accept, decline, withdraw, moved_in):step>")
@login_required
def proposal_action(proposal_id: int, step: str):
    user = _user()
    call, done = _STEPS[step]
    form_action(lambda: call(user, proposal_id), str(done))
    if request.form.get("back") == "list":
        return redirect(url_for("placement_views.proposals_page"))
    return redirect(url_for("placement_views.proposal_page", proposal_id=proposal_id))


@bp.app_context_processor
def _navigation() -> dict:
    """`shows_proposals_link()` for the navigation: caseworkers (who propose) and
    landlords (who answer; officials owning a flat get there from the notification); a
    function, asked only where the navigation is shown."""

    def shows_proposals_link() -> bool:
        if not current_user.is_authenticated:
            return False
        user = _user()
        return bool(case_reach(user)) or bool(
            authz.organizations_with_role(user, {Role.LANDLORD}))

    return {"shows_proposals_link": shows_proposals_link}
