"""The chat page: a shell that reads and writes through the JSON API and the socket, like
the map. What the page needs from the server (who the user is, limits, addresses) is
rendered into it as JSON; the navigation's unread badge is rendered on every page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from exchange.capacity import transfer_lists, transfer_views
from exchange.chat import rooms
from exchange.chat.access import may_take_part_anywhere
from exchange.chat.models import RoomKind
from exchange.chat.read_state import UNREAD_TOTAL_CAP, unread_total
from exchange.errors import ServiceError, flash_errors
from exchange.extensions import db
from exchange.listings import access as listings
from exchange.profiles import authz

bp = Blueprint("chat_views", __name__, template_folder="templates")


@bp.app_context_processor
def _unread_badge() -> dict:
    """`chat_unread_total()` for the navigation (a function: only pages that show the
    navigation to a signed-in user ask the database)."""

    def chat_unread_total() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_total(current_user)

    return {"chat_unread_total": chat_unread_total, "chat_unread_cap": UNREAD_TOTAL_CAP}


@bp.get("/chat")
@login_required
def chat_page():
    return _chat(room_id=None)


@bp.get("/chat/<int:room_id>")
@login_required
def room_page(room_id: int):
    """A room's own address; the page opens it (or says it is not there for the user)."""
    return _chat(room_id=room_id)


@bp.post("/chat/direct/<int:user_id>")
@login_required
def open_direct_room(user_id: int):
    """"Write a message" in the directory: the direct room with this person, opened if
    there is none yet, then shown. Where chat allows no such room (a landlord, a disabled
    or unknown account, oneself) the reason is flashed on the directory."""
    try:
        room, _created = rooms.do_create_room(current_user, RoomKind.DIRECT.value, [user_id])
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
        return redirect(url_for("organizations_views.directory"))
    return redirect(url_for("chat_views.room_page", room_id=room.id))


def _transfer_banner(room_id: int | None) -> dict | None:
    """The bed request a room is the thread of, with the viewer's actions on it (the
    request's hand-off happens where its two sides talk)."""
    if room_id is None:
        return None
    user = current_user._get_current_object()
    transfer = transfer_lists.transfer_of_room(user, room_id)
    if transfer is None:
        return None
    return {"transfer": transfer, "actions": transfer_views.actions_for(user, transfer),
            "names": transfer_lists.organization_names([transfer])}


def _chat(room_id: int | None):
    config = current_app.config
    page_config = {
        "api": "/api/v1",
        "user_id": current_user.id,
        "user_name": current_user.name,
        "room_id": room_id,
        # Staff open rooms with anyone; landlords only talk in rooms about their listings.
        "is_staff": may_take_part_anywhere(current_user),
        "is_official": listings.is_official(current_user),
        "managed_organization_ids": sorted(
            authz.organizations_with_role(current_user, listings.MANAGER_ROLES)
        ),
        "member_organization_ids": sorted(listings.member_organizations(current_user)),
        "max_upload_bytes": config["DOCUMENT_MAX_BYTES"],
        "chat_url": url_for("chat_views.chat_page"),
        "room_url": url_for("chat_views.room_page", room_id=0),
        "listing_url": url_for("listings_views.listing_detail", listing_id=0),
    }
    return render_template("chat/chat.html", page_config=page_config,
                           transfer=_transfer_banner(room_id))
