"""Threads of other domains: a capacity transfer request gets its chat room."""

from __future__ import annotations

from flask import current_app, has_request_context
from flask_babel import force_locale, format_date, format_number

from exchange.capacity.models import BedTransfer
from exchange.chat.messages import do_post_message
from exchange.chat.models import RoomKind, Visibility
from exchange.chat.rooms import do_create_room
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles.models import User


def _transfer_summary(transfer: BedTransfer, listing: Listing, actor: User) -> str:
    """The thread's first message when the request has none: "2 × Halle → 28.11.2030".

    It is stored text that both sides read, so it is written once, like a message the
    requesting user typed, in their language: the language of their request (which
    select_locale takes from their session, their token's Accept-Language or their
    profile), or their profile's language outside a request (CLI, scheduler). The number
    and the date are in that locale's format, not the raw ISO date."""
    def summary() -> str:
        return (f"{format_number(transfer.beds)} × {listing.title} → "
                f"{format_date(transfer.until)}")

    if has_request_context():
        return summary()
    with force_locale(actor.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "de")):
        return summary()


def open_transfer_thread(
    transfer: BedTransfer, actor: User, recipient_ids: list[int], **_extra: object
) -> None:
    """A transfer request (capacity) gets its chat thread: a private group of the asking
    user and the offering side's officials and admins about the listing, opened with the
    request's message. Capacity only sends the `transfer_requested` signal (connected to
    this in exchange.chat.events); the room id is written back onto the request."""
    listing = db.session.get(Listing, transfer.listing_id)
    name = f"#{transfer.id} {listing.title}"[:200]
    room, _created = do_create_room(
        actor, RoomKind.GROUP.value, [u for u in recipient_ids if u != actor.id], name=name,
        visibility=Visibility.PRIVATE.value, listing_id=listing.id,
    )
    body = transfer.message or _transfer_summary(transfer, listing, actor)
    do_post_message(actor, room.id, body, listing_id=listing.id)
    transfer.room_id = room.id
