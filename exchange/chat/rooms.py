"""Rooms: opening them (channels, groups, the one direct room of a pair), members, settings,
and the list of rooms as one user sees it.

Writes follow Zulip's `do_*` actions: check the input, lock what several writers could
touch in id order, flush, then send a signal; the request commits and exchange.chat.events
has the events sent after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from exchange import signals
from exchange.chat.access import (
    check_may_take_part,
    get_administered_room_for,
    get_membership_for,
    get_room_for,
    may_take_part_anywhere,
    membership,
    own_listing_ids,
    owns_listing,
    readable_room_ids,
    users_for,
    visible_listing,
)
from exchange.chat.models import (
    Member,
    MemberRole,
    Message,
    Room,
    RoomKind,
    Visibility,
    direct_key,
)
from exchange.chat.read_state import unread_counts
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound
from exchange.extensions import db
from exchange.pagination import Page, encode_cursor, id_cursor
from exchange.profiles import authz
from exchange.profiles.models import User


def do_create_room(
    actor: User,
    kind: str,
    member_ids: list[int],
    name: str = "",
    visibility: str | None = None,
    topic: str = "",
    listing_id: int | None = None,
    retention_days: int | None = None,
) -> tuple[Room, bool]:
    """Open a room with its first members; the actor becomes its owner.

    Returns (room, created). A direct room between two users exists once: asking for it
    again returns the existing one (created = False).
    """
    authz.require_user(actor)
    if listing_id is not None:
        visible_listing(actor, listing_id)
    if not may_take_part_anywhere(actor) and (
        listing_id is None or not owns_listing(actor, listing_id)
    ):
        raise Forbidden("Landlords may only open rooms about their own listings.")
    name = name.strip()
    if kind == RoomKind.DIRECT:
        return open_direct_room(actor, member_ids, visibility, listing_id, name, topic,
                                 retention_days)
    if not name:
        raise InvalidInput({"name": "A channel or group needs a name."})
    room = Room(
        kind=kind,
        visibility=visibility or Visibility.PRIVATE.value,
        name=name,
        topic=topic.strip(),
        listing_id=listing_id,
        retention_days=retention_days,
        created_by_id=actor.id,
    )
    others = users_for(actor, member_ids)
    check_may_take_part(room, others, "member_ids")
    db.session.add(room)
    db.session.flush()
    add_members(room, [(actor, MemberRole.OWNER), *[(u, MemberRole.MEMBER) for u in others]])
    return room, True


def open_direct_room(
    actor: User,
    member_ids: list[int],
    visibility: str | None,
    listing_id: int | None,
    name: str,
    topic: str,
    retention_days: int | None,
) -> tuple[Room, bool]:
    """The direct room of the actor and the one other member, opened if there is none;
    returns (room, created)."""
    others = set(member_ids) - {actor.id}
    if len(others) != 1:
        raise InvalidInput({"member_ids": "A direct room has exactly one other member."})
    if visibility == Visibility.NETWORK:
        raise InvalidInput({"visibility": "A direct room is private."})
    if listing_id is not None:
        raise InvalidInput({"listing_id": "A direct room is about no listing; use a group."})
    (other,) = users_for(actor, list(others))
    key = direct_key(actor.id, other.id)
    # Two people opening their room at the same moment: the unique key decides, the
    # second insert waits for the first and then does nothing.
    new_id = db.session.scalar(
        pg_insert(Room)
        .values(
            kind=RoomKind.DIRECT.value,
            visibility=Visibility.PRIVATE.value,
            name=name,
            topic=topic.strip(),
            direct_key=key,
            retention_days=retention_days,
            created_by_id=actor.id,
        )
        .on_conflict_do_nothing(index_elements=[Room.direct_key])
        .returning(Room.id)
    )
    if new_id is None:
        room = db.session.scalar(select(Room).where(Room.direct_key == key))
        return room, False
    room = db.session.get(Room, new_id)
    check_may_take_part(room, [actor, other], "member_ids")
    add_members(room, [(actor, MemberRole.OWNER), (other, MemberRole.OWNER)])
    return room, True


def _latest_message_id(room_id: int) -> int | None:
    """The room's latest message id (a newcomer's history starts read up to it)."""
    return db.session.scalar(select(func.max(Message.id)).where(Message.room_id == room_id))


def add_members(room: Room, users_and_roles: list[tuple[User, str]]) -> list[User]:
    """Insert memberships (existing ones are left alone); returns the users newly added.

    A newcomer's history starts read: the watermark is set to the latest message.
    """
    latest = _latest_message_id(room.id)
    added_ids = set(
        db.session.scalars(
            pg_insert(Member)
            .values(
                [
                    {"room_id": room.id, "user_id": user.id, "role": str(role),
                     "last_read_message_id": latest}
                    for user, role in users_and_roles
                ]
            )
            .on_conflict_do_nothing(constraint="uq_chat_members_room_user")
            .returning(Member.user_id)
        )
    )
    db.session.expire(room, ["members"])
    added = [user for user, _role in users_and_roles if user.id in added_ids]
    if added:
        signals.chat_members_added.send(room, user_ids=[u.id for u in added])
    return added


def do_join_room(actor: User, room_id: int) -> Room:
    """Join a `network` room (idempotent)."""
    room = get_room_for(actor, room_id)
    if room.visibility != Visibility.NETWORK and membership(actor, room.id) is None:
        raise NotFound()
    add_members(room, [(actor, MemberRole.MEMBER)])
    return room


def do_add_member(actor: User, room_id: int, user_id: int) -> Member:
    """A member adds someone who may take part; 409 if they are in already."""
    room, _member_row = get_membership_for(actor, room_id)
    if room.kind == RoomKind.DIRECT:
        raise Conflict("A direct room has two members; open a group instead.")
    (user,) = users_for(actor, [user_id], field="user_id") or [None]
    if user is None:
        raise Conflict("You are a member already.")
    check_may_take_part(room, [user], "user_id")
    if not add_members(room, [(user, MemberRole.MEMBER)]):
        raise Conflict("This person is a member already.")
    return membership(user, room.id)


def do_update_room(actor: User, room_id: int, changes: dict[str, Any]) -> Room:
    """Owners (and platform admins) change the name, topic and retention of a room."""
    room = get_administered_room_for(actor, room_id)
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name and room.kind != RoomKind.DIRECT:
            raise InvalidInput({"name": "A channel or group needs a name."})
        room.name = name
    if "topic" in changes:
        room.topic = (changes["topic"] or "").strip()
    if "retention_days" in changes:
        room.retention_days = changes["retention_days"]
    db.session.flush()
    return room


def do_set_muted(actor: User, room_id: int, muted: bool) -> Member:
    """Mute or unmute a room for oneself (no notifications; unread counts stay)."""
    _room, member = get_membership_for(actor, room_id)
    member.muted = muted
    db.session.flush()
    return member


@dataclass
class RoomView:
    """A room as one user sees it: their membership and unread count; for a direct room
    the other person (its name is the room's name to the user); the latest message."""

    room: Room
    member: Member | None
    unread: int
    peer: User | None = None
    last_message_id: int | None = None
    last_message_at: datetime | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.room, name)


def list_rooms(user: User, scope: str, limit: int, cursor: str | None) -> Page:
    """My rooms with unread counts (scope "mine"), or the `network` rooms I could join."""
    authz.require_user(user)
    if scope == "network":
        stmt = select(Room).where(
            Room.visibility == Visibility.NETWORK,
            Room.id.not_in(select(Member.room_id).where(Member.user_id == user.id)),
        )
        if not may_take_part_anywhere(user):
            stmt = stmt.where(Room.listing_id.in_(own_listing_ids(user)))
    else:
        stmt = select(Room).where(Room.id.in_(readable_room_ids(user)))
    if cursor:
        stmt = stmt.where(Room.id > id_cursor(cursor))
    rooms = list(db.session.scalars(stmt.order_by(Room.id).limit(limit + 1)))
    more = len(rooms) > limit
    rooms = rooms[:limit]
    return Page(room_views(user, rooms), encode_cursor([rooms[-1].id]) if more else None)


def room_views(user: User, rooms: list[Room]) -> list[RoomView]:
    """Attach the user's membership and unread count to each room (two queries)."""
    ids = [room.id for room in rooms]
    members = {
        m.room_id: m
        for m in db.session.scalars(
            select(Member).where(Member.user_id == user.id, Member.room_id.in_(ids))
        )
    }
    unread = unread_counts(user, ids)
    peers = _direct_peers(user, [room.id for room in rooms if room.kind == RoomKind.DIRECT])
    latest = _latest_messages(ids)
    return [
        RoomView(
            room,
            members.get(room.id),
            unread.get(room.id, 0),
            peers.get(room.id),
            *latest.get(room.id, (None, None)),
        )
        for room in rooms
    ]


def _direct_peers(user: User, room_ids: list[int]) -> dict[int, User]:
    """The other member of each of these direct rooms."""
    if not room_ids:
        return {}
    rows = db.session.execute(
        select(Member.room_id, User)
        .join(User, User.id == Member.user_id)
        .where(Member.room_id.in_(room_ids), Member.user_id != user.id)
    ).all()
    return {room_id: peer for room_id, peer in rows}


def _latest_messages(room_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """Each room's latest message (id, time): one backward step on (room_id, id) each."""
    if not room_ids:
        return {}
    latest_id = (
        select(func.max(Message.id)).where(Message.room_id == Room.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(Message.room_id, Message.id, Message.created_at).where(
            Message.id.in_(select(latest_id).where(Room.id.in_(room_ids)))
        )
    ).all()
    return {room_id: (message_id, created_at) for room_id, message_id, created_at in rows}


def room_members(user: User, room_id: int) -> list[Member]:
    """Members of a room the user may see (its members, or staff for a network room)."""
    room = get_room_for(user, room_id)
    return list(
        db.session.scalars(
            select(Member).where(Member.room_id == room.id).options(
                selectinload(Member.user)
            ).order_by(Member.id)
        )
    )


def socket_room_ids(user: User) -> list[int]:
    """The rooms whose events the user's sockets receive."""
    return list(db.session.scalars(readable_room_ids(user).order_by(Member.room_id)))
