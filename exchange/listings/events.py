"""What the listings domain tells open sockets: a listing changed (Socket.IO `listing`).

Broadcast rooms for the map (nobody hears presence there): officials get listings with the
exact address, other staff with the location rounded (API.md: exact address only for
officials). The owner hears of their own listing in their user room, drafts included.
"""

from __future__ import annotations

from typing import Any

from exchange import realtime, signals
from exchange.profiles import authz
from exchange.profiles.models import User

from .access import STAFF_VISIBLE, is_official
from .models import Listing
from .schemas import ListingSchema

LISTINGS_OFFICIALS_ROOM = "listings:officials"
LISTINGS_STAFF_ROOM = "listings:staff"


def dump_listing(listing: Listing, *, exact: bool) -> dict:
    """The JSON of a listing for socket events."""
    return ListingSchema(exact=exact).dump(listing)


def listing_rooms(user: User) -> list[str]:
    """The map room a socket of the user joins on connect."""
    if is_official(user):
        return [LISTINGS_OFFICIALS_ROOM]
    if authz.is_staff(user):
        return [LISTINGS_STAFF_ROOM]
    return []


def _on_listing_changed(
    listing: Listing, event: str, previous_status: str | None = None, **_: Any
) -> None:
    exact = {"event": event, "listing": dump_listing(listing, exact=True)}
    # Staff hear of listings they see, and of one that just left their sight (withdrawn,
    # let, expired) so that open maps drop it; never of drafts.
    if listing.status in STAFF_VISIBLE or previous_status in STAFF_VISIBLE:
        rounded = {"event": event, "listing": dump_listing(listing, exact=False)}
        realtime.emit_after_commit("listing", exact, room=LISTINGS_OFFICIALS_ROOM)
        realtime.emit_after_commit("listing", rounded, room=LISTINGS_STAFF_ROOM)
    if listing.owner_id is not None:
        realtime.emit_after_commit("listing", exact, room=realtime.user_room(listing.owner_id))


def register() -> None:
    """Map rooms on connect, and listing changes to them (called by the package's init_app)."""
    realtime.add_connect_rooms(listing_rooms)
    signals.listing_changed.connect(_on_listing_changed)
