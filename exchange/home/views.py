"""The start page per role: which blocks a user sees. Each block's data is built by the
domain that owns it (profiles, listings, capacity, chat); this page only puts them
together, which is why home sits above every domain."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from exchange.capacity import start as capacity_start
from exchange.capacity import transfer_lists, transfer_views
from exchange.chat import read_state as chat
from exchange.listings import start as listings_start
from exchange.profiles import authz, memberships
from exchange.profiles.models import Role

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():
    """The start page: the blocks of every role the user holds."""
    roles = authz.roles_of(current_user)
    blocks: dict = {}
    if Role.OFFICIAL.value in roles:
        blocks["official"] = {
            "region": capacity_start.region_figures(current_user),
            "offers": listings_start.newest_offers(current_user),
            "requests": listings_start.open_requests(current_user),
        }
    if Role.CASEWORKER.value in roles:
        blocks["caseworker"] = capacity_start.casework_figures(current_user)
    if Role.LANDLORD.value in roles:
        mine = listings_start.my_listings(current_user)
        blocks["landlord"] = {"listings": mine, "expiring": listings_start.expiring_soon(mine),
                              "unread": chat.unread_total(current_user)}
    if Role.ADMIN.value in roles:
        blocks["admin"] = memberships.admin_figures(current_user)
    if transfer_lists.may_answer_requests(current_user):
        incoming = transfer_lists.open_incoming(current_user)
        blocks["transfers"] = {
            "incoming": incoming,
            "names": transfer_lists.organization_names(incoming),
            "actions": {t.id: transfer_views.actions_for(current_user, t) for t in incoming},
        }
    return render_template("home/index.html", blocks=blocks,
                           can_create_listing=listings_start.may_create_listing(current_user))
