"""HTML pages of bed requests between districts (exchange.capacity.transfers): the list of
incoming and outgoing requests, one request with the actions at hand (where every
notification about it leads), the request form, and the plain form posts of accept,
decline, withdraw and release.

Added to the capacity pages' blueprint by ``register(bp)`` (called by
exchange.capacity.views), so their endpoints stay ``capacity_views.*``. An action returns
to the page it was taken on (``back``: one of a fixed set, never a free URL); a refusal
comes back as a flashed message.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from exchange.capacity import transfer_lists, transfers
from exchange.capacity.models import BedTransfer
from exchange.errors import InvalidInput, ServiceError, flash_errors, form_action
from exchange.extensions import db
from exchange.listings import access as listing_access
from exchange.listings.models import Listing
from exchange.profiles import authz

#: Transfer requests per table of /transfers, the newest.
TRANSFER_PAGE = 200

def _user():
    return current_user._get_current_object()


def actions_for(user, transfer: BedTransfer) -> dict[str, bool]:
    """Which actions ``user`` has on ``transfer`` now (the pages show only those)."""
    return {
        "decide": transfers.may_decide(user, transfer),
        "withdraw": transfers.may_withdraw(user, transfer),
        "release": transfers.may_release(user, transfer),
    }


@login_required
def transfers_page():
    user = _user()
    incoming = transfer_lists.recent_transfers(user, "incoming", TRANSFER_PAGE)
    outgoing = transfer_lists.recent_transfers(user, "outgoing", TRANSFER_PAGE)
    names = transfer_lists.organization_names([*incoming, *outgoing])
    deciding = authz.organizations_with_role(user, transfers.PROVIDER_ROLES)
    return render_template(
        "capacity/transfers.html",
        incoming=incoming,
        outgoing=outgoing,
        names=names,
        deciding=deciding,
        actions={t.id: actions_for(user, t) for t in [*incoming, *outgoing]},
    )


@login_required
def transfer_page(transfer_id: int):
    """One request with what the viewer may do now (404 outside both sides)."""
    user = _user()
    try:
        transfer = transfers.get_transfer_for(user, transfer_id)
    except ServiceError:
        abort(404)
    return render_template(
        "capacity/transfer.html",
        transfer=transfer,
        listing=db.session.get(Listing, transfer.listing_id),
        names=transfer_lists.organization_names([transfer]),
        actions=actions_for(user, transfer),
        incoming=authz.has_role(user, transfer.providing_organization_id,
                                transfers.PROVIDER_ROLES),
    )


@login_required
def transfer_form():
    listing_id = request.args.get("listing_id", type=int)
    if listing_id is None:
        abort(404)
    listing = listing_access.get_published_listing_for(_user(), listing_id)
    return render_template("capacity/transfer_new.html", listing=listing,
                           today=date.today().isoformat())


def _date_field(name: str, required: bool) -> date | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({name: "Not a valid date."}) from None


@login_required
def transfer_create():
    form = request.form
    try:
        try:
            beds = int(form.get("beds", ""))
        except ValueError:
            raise InvalidInput({"beds": "Not a valid number."}) from None
        transfer = transfers.request_transfer(
            _user(), int(form.get("listing_id", "0") or 0), beds,
            _date_field("until", True), form.get("message", ""),
            arrival_date=_date_field("arrival_date", False),
        )
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
        return redirect(url_for("capacity_views.transfer_form",
                                listing_id=form.get("listing_id", type=int)))
    return redirect(url_for("capacity_views.transfer_page", transfer_id=transfer.id))


def _back(transfer: BedTransfer | None, transfer_id: int) -> str:
    """Where an action returns to: the page it was taken on, from a fixed set."""
    back = request.form.get("back", "")
    if back == "transfer":
        return url_for("capacity_views.transfer_page", transfer_id=transfer_id)
    if back == "home":
        return url_for("home.index")
    if back == "room" and transfer is not None and transfer.room_id is not None:
        return url_for("chat_views.room_page", room_id=transfer.room_id)
    return url_for("capacity_views.transfers_page")


#: What each action does, and what the page says when it is done.
_ACTIONS = {
    "accept": (lambda user, transfer_id: transfers.accept_transfer(user, transfer_id),
               _l("The request is accepted; the beds are held.")),
    "decline": (lambda user, transfer_id: transfers.decline_transfer(
        user, transfer_id, request.form.get("reason", "")), _l("The request is declined.")),
    "withdraw": (lambda user, transfer_id: transfers.withdraw_transfer(user, transfer_id),
                 _l("The request is withdrawn.")),
    "release": (lambda user, transfer_id: transfers.release_transfer(user, transfer_id),
                _l("The held beds are released.")),
}


@login_required
def transfer_action(transfer_id: int, action: str):
    user = _user()
    call, done = _ACTIONS[action]
    transfer = form_action(lambda: call(user, transfer_id), str(done))
    return redirect(_back(transfer, transfer_id))


def register(bp: Blueprint) -> None:
    """Add these pages to the capacity pages' blueprint."""
    bp.add_url_rule("/transfers", view_func=transfers_page, methods=["GET"])
    bp.add_url_rule("/transfers/<int:transfer_id>", view_func=transfer_page, methods=["GET"])
    bp.add_url_rule("/transfers/new", view_func=transfer_form, methods=["GET"])
    bp.add_url_rule("/transfers/new", endpoint="transfer_create", view_func=transfer_create,
                    methods=["POST"])
    bp.add_url_rule(
        "/transfers/<int:transfer_id>/<any(accept, decline, withdraw, release):action>",
        view_func=transfer_action, methods=["POST"],
    )

    @bp.app_context_processor
    def _navigation() -> dict:
        """`shows_requests_link()` for the navigation: everyone who asks for or answers
        bed requests (a function: asked only where the navigation is shown)."""

        def shows_requests_link() -> bool:
            return current_user.is_authenticated and transfer_lists.may_answer_requests(
                current_user)

        return {"shows_requests_link": shows_requests_link}
