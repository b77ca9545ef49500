"""Who may take part in chat, and the rooms, memberships and documents within one's reach.

Who may take part in a room:
    staff (officials, caseworkers and admins of public organisations) and platform admins
    may open rooms, join `network` rooms and be added to any room; a landlord takes part
    only in rooms about a listing of their own (`listing_id`), and never sees any other
    room, its messages or its documents, whatever id they send.
Who may read a room's messages: its members who may take part in it. Anything else
answers 404, exactly like a missing room.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, bindparam, or_, select

from exchange.chat.models import Member, MemberRole, Message, MessageDocument, Room, Visibility
from exchange.errors import Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.listings import access as listings
from exchange.listings.models import Listing
from exchange.profiles import authz
from exchange.profiles.models import User


def may_take_part_anywhere(user: User) -> bool:
    """Platform admins, and officials, caseworkers and admins of public organisations:
    they may open rooms with anyone and take part in any room (a landlord only in rooms
    about their own listings). Not `authz.is_staff`, which leaves platform admins out."""
    return authz.talks_to_anyone(user)


def own_listing_ids(user: User) -> Select:
    """Listings a user counts as their own: theirs, or their organisation's (the listings
    domain's owner side)."""
    return select(Listing.id).where(
        or_(
            Listing.owner_id == user.id,
            Listing.organization_id.in_(listings.member_organizations(user)),
        )
    )


def owns_listing(user: User, listing_id: int) -> bool:
    """Whether the listing is the user's own (see own_listing_ids)."""
    return db.session.scalar(own_listing_ids(user).where(Listing.id == listing_id)) is not None


def may_take_part(user: User, room: Room) -> bool:
    """Whether the user may be in this room at all (membership aside)."""
    if user.disabled:
        return False
    if may_take_part_anywhere(user):
        return True
    return room.listing_id is not None and owns_listing(user, room.listing_id)


def readable_room_ids(user: User) -> Select:
    """Ids of the rooms whose messages the user may read (a subquery)."""
    stmt = select(Member.room_id).where(Member.user_id == user.id)
    if not may_take_part_anywhere(user):
        stmt = stmt.join(Room, Room.id == Member.room_id).where(
            Room.listing_id.in_(own_listing_ids(user))
        )
    return stmt


def visible_listing(user: User, listing_id: int, field: str = "listing_id") -> Listing:
    """A listing the user may see (the listings domain decides); 422 on ``field`` if not:
    a room or message about a listing names one the user can see."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listings.may_see(user, listing):
        raise InvalidInput({field: "No such listing."})
    return listing


def membership(user: User, room_id: int) -> Member | None:
    """The user's membership of the room, if any (no access check)."""
    return db.session.scalar(
        select(Member).where(Member.room_id == room_id, Member.user_id == user.id)
    )


def get_room_for(user: User, room_id: int) -> Room:
    """A room the user is in, or a `network` room they may join; 404 otherwise."""
    authz.require_user(user)
    room = db.session.get(Room, room_id)
    if room is None or not may_take_part(user, room):
        raise NotFound()
    if membership(user, room.id) is None and room.visibility != Visibility.NETWORK:
        raise NotFound()
    return room


# One statement for both, built once (its cache key too): every chat send and read asks it.
_ROOM_AND_MEMBER = (
    select(Room, Member)
    .join(Member, and_(Member.room_id == Room.id, Member.user_id == bindparam("user_id")))
    .where(Room.id == bindparam("room_id"))
)


def get_membership_for(user: User, room_id: int) -> tuple[Room, Member]:
    """The room and the user's membership, if they may read it; 404 otherwise."""
    authz.require_user(user)
    row = db.session.execute(_ROOM_AND_MEMBER, {"room_id": room_id, "user_id": user.id}).first()
    if row is None or not may_take_part(user, row.Room):
        raise NotFound()
    return row.Room, row.Member


def may_administer(user: User, member: Member | None) -> bool:
    """Owners of a room (``member`` is the user's membership) and platform admins."""
    return user.is_platform_admin or (member is not None and member.role == MemberRole.OWNER)


def get_administered_room_for(user: User, room_id: int) -> Room:
    """A room the user may change or export: 404 outside their reach (not a member, save
    platform admins), 403 for a member who is no owner."""
    room = db.session.get(Room, room_id)
    member = membership(user, room_id) if room is not None else None
    if room is None or not may_take_part(user, room) or (
        member is None and not user.is_platform_admin
    ):
        raise NotFound()
    if not may_administer(user, member):
        raise Forbidden("Only an owner of this room may do this.")
    return room


def may_read_attachment(user: User, document_id: int) -> bool:
    """A document attached to a message is readable by whoever may read that room (a
    reader of the documents domain, registered by exchange.chat.events)."""
    return (
        db.session.scalar(
            select(MessageDocument.message_id)
            .join(Message, Message.id == MessageDocument.message_id)
            .where(
                MessageDocument.document_id == document_id,
                Message.deleted_at.is_(None),
                Message.room_id.in_(readable_room_ids(user)),
            )
            .limit(1)
        )
        is not None
    )


def users_for(actor: User, user_ids: list[int], field: str = "member_ids") -> list[User]:
    """Active users by id but the actor, locked (key share) in id order so none is
    deleted meanwhile; 422 on ``field`` naming the unknown ones."""
    wanted = sorted(set(user_ids) - {actor.id})
    if not wanted:
        return []
    users = list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(wanted), User.disabled.is_(False))
            .order_by(User.id)
            .with_for_update(key_share=True)
        )
    )
    missing = sorted(set(wanted) - {u.id for u in users})
    if missing:
        raise InvalidInput({field: Text("Unknown user(s): %(ids)s.",
                                        ids=", ".join(map(str, missing)))})
    return users


def check_may_take_part(room: Room, users: list[User], field: str) -> None:
    """422 on ``field`` naming those of ``users`` who may not take part in the room."""
    refused = [u.id for u in users if not may_take_part(u, room)]
    if refused:
        raise InvalidInput(
            {
                field: Text("User(s) %(ids)s cannot take part in this room: "
                            "landlords only take part in rooms about their own listings.",
                            ids=", ".join(map(str, refused)))
            }
        )
