"""Requesting a listing shared in chat: the listing is reserved, and the official who asks
talks with the person who shared it in a room of the two."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, case, select

from exchange import notifications
from exchange.chat.access import may_take_part_anywhere, membership, owns_listing
from exchange.chat.messages import do_post_message
from exchange.chat.models import Member, Message, Room, RoomKind, Visibility
from exchange.chat.rooms import do_create_room, open_direct_room
from exchange.errors import Conflict, InvalidInput
from exchange.extensions import db
from exchange.listings import access as listings
from exchange.listings import operations as listing_operations
from exchange.listings.models import Listing
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, User


class ListingRequest(NamedTuple):
    """What a request made: the room with the poster, the first message there, and the
    reserved listing."""

    room: Room
    message: Message
    listing: Listing


def _owner_side_contacts(listing: Listing) -> Select:
    """Who answers for a listing: its owner, else its organisation's officials, admins and
    landlords (in that order)."""
    order = case(
        (Membership.role == "official", 0), (Membership.role == "admin", 1), else_=2
    )
    return (
        select(Membership.user_id)
        .where(
            Membership.organization_id == listing.organization_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(sorted(listings.MANAGER_ROLES)),
        )
        .order_by(order, Membership.user_id)
    )


def _counterpart(actor: User, listing: Listing, poster_id: int | None) -> User:
    """Whom an official who requests a listing talks to: the person who shared it, else
    its owner, else someone of the owning organisation; never the official themself."""
    candidates = [poster_id, listing.owner_id, *db.session.scalars(_owner_side_contacts(listing))]
    for user_id in dict.fromkeys(c for c in candidates if c is not None and c != actor.id):
        user = db.session.get(User, user_id)
        if user is not None and not user.disabled and (
            may_take_part_anywhere(user) or owns_listing(user, listing.id)
        ):
            return user
    raise Conflict("There is nobody to ask about this listing.")


def _listing_room_of(actor: User, other: User, listing: Listing) -> Room:
    """The private room of these two about the listing (a landlord takes part only in
    rooms about their listing, never in direct rooms); opened when there is none."""
    both = [
        select(Member.room_id).where(Member.user_id == user.id) for user in (actor, other)
    ]
    room = db.session.scalar(
        select(Room)
        .where(
            Room.listing_id == listing.id,
            Room.kind == RoomKind.GROUP,
            Room.visibility == Visibility.PRIVATE,
            Room.id.in_(both[0]),
            Room.id.in_(both[1]),
        )
        .order_by(Room.id)
        .limit(1)
    )
    if room is None:
        room, _created = do_create_room(
            actor, RoomKind.GROUP.value, [other.id], name=listing.title[:200],
            visibility=Visibility.PRIVATE.value, listing_id=listing.id,
        )
    return room


def owner_side_room(
    actor: User, listing: Listing, poster_id: int | None = None
) -> tuple[Room, User]:
    """The conversation of ``actor`` with whom answers for the listing (the poster, else
    the owner side): their direct room, or with a landlord a private room about the
    listing; opened when there is none. Returns the room and the other person."""
    other = _counterpart(actor, listing, poster_id)
    if may_take_part_anywhere(other):
        room, _created = open_direct_room(actor, [other.id], None, None, "", "", None)
    else:
        room = _listing_room_of(actor, other, listing)
    return room, other


def do_request_listing(
    actor: User, listing_id: int, body: str = "", message_id: int | None = None
) -> ListingRequest:
    """An official asks for a listing shared in chat ("We still have 100 beds"): in one
    transaction the listing is reserved for them (409 when it is not published any more,
    say reserved by someone else a moment earlier), a room with the poster is opened or
    found (their direct room; with a landlord, a private room about the listing), and a
    first message there shares the listing. ``message_id`` names the message whose card
    was used: its author is the poster; without it, the listing's owner side is asked.
    The poster is notified."""
    authz.require_user(actor)
    poster_id = None
    if message_id is not None:
        shared = db.session.get(Message, message_id)
        in_my_rooms = shared is not None and membership(actor, shared.room_id) is not None
        if not in_my_rooms or shared.listing_id != listing_id:
            raise InvalidInput({"message_id": "No message of your rooms shares this listing."})
        poster_id = shared.author_id
    # Locks the listing row: of two officials asking at once, the second waits and gets 409.
    listing = listing_operations.change_status(actor, listing_id, "reserve")
    return tell_owner_side(actor, listing, poster_id, body)


def tell_owner_side(
    actor: User, listing: Listing, poster_id: int | None = None, body: str = ""
) -> ListingRequest:
    """The hand-off of a reserved listing: a room with whom to talk (the poster, else the
    owner side) is opened or found, a first message there shares the listing, and they are
    notified, their notification leading into that room."""
    room, other = owner_side_room(actor, listing, poster_id)
    message = do_post_message(actor, room.id, body, listing_id=listing.id)
    notifications.notify(
        other.id,
        "listing_requested",
        {
            "listing_id": listing.id,
            "title": listing.title,
            "kind": listing.kind,
            "room_id": room.id,
            "message_id": message.id,
            "by": {"id": actor.id, "name": actor.name},
        },
    )
    return ListingRequest(room, message, listing)


def on_listing_reserved(listing: Listing, actor: User, **_extra: object) -> None:
    """``signals.listing_reserved`` (a reservation through the listings API or the map):
    the owner side hears of it in the conversation opened with them."""
    tell_owner_side(actor, listing)
