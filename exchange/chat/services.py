"""Chat: every write and rule of rooms, members and messages.

Who may take part in a room:
    staff (officials, caseworkers and admins of public organisations) and platform admins
    may open rooms, join `network` rooms and be added to any room; a landlord takes part
    only in rooms about a listing of their own (`listing_id`), and never sees any other
    room, its messages or its documents, whatever id they send.
Who may read a room's messages: its members who may take part in it. Anything else
answers 404, exactly like a missing room.

Writes follow Zulip's `do_*` actions: check the input, lock what several writers could
touch in id order, flush, then send a signal; the API handler commits and
exchange.realtime emits after the commit (exchange.chat.sockets connects the receivers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale, format_date, format_number
from sqlalchemy import Select, case, delete, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from exchange import signals
from exchange.chat.models import (
    Member,
    MemberRole,
    Message,
    MessageDocument,
    Room,
    RoomKind,
    Visibility,
    direct_key,
)
from exchange.documents import services as documents
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.listings import services as listings
from exchange.listings.models import Listing
from exchange.pagination import Page, encode_cursor, id_cursor
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, User

SEARCH_CONFIG = "german"


# --- who may take part ---------------------------------------------------------------------


def is_staff(user: User) -> bool:
    """Platform admins, and officials, caseworkers and admins of public organisations."""
    return user.is_platform_admin or authz.is_staff(user)


def own_listing_ids(user: User) -> Select:
    """Listings a user counts as their own: theirs, or their organisation's (the listings
    domain's owner side)."""
    return select(Listing.id).where(
        or_(
            Listing.owner_id == user.id,
            Listing.organization_id.in_(listings.member_organizations(user)),
        )
    )


def may_take_part(user: User, room: Room) -> bool:
    """Whether the user may be in this room at all (membership aside)."""
    if user.disabled:
        return False
    if is_staff(user):
        return True
    return room.listing_id is not None and _owns_listing(user, room.listing_id)


def _owns_listing(user: User, listing_id: int) -> bool:
    return db.session.scalar(own_listing_ids(user).where(Listing.id == listing_id)) is not None


def readable_room_ids(user: User) -> Select:
    """Ids of the rooms whose messages the user may read (a subquery)."""
    stmt = select(Member.room_id).where(Member.user_id == user.id)
    if not is_staff(user):
        stmt = stmt.join(Room, Room.id == Member.room_id).where(
            Room.listing_id.in_(own_listing_ids(user))
        )
    return stmt


def _visible_listing(user: User, listing_id: int, field: str = "listing_id") -> Listing:
    """A listing the user may see (the listings domain decides); 422 on ``field`` if not."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listings.can_see(user, listing):
        raise InvalidInput({field: "No such listing."})
    return listing


def _member(user: User, room_id: int) -> Member | None:
    return db.session.scalar(
        select(Member).where(Member.room_id == room_id, Member.user_id == user.id)
    )


def get_room(user: User, room_id: int) -> Room:
    """A room the user is in, or a `network` room they may join; 404 otherwise."""
    authz.require_user(user)
    room = db.session.get(Room, room_id)
    if room is None or not may_take_part(user, room):
        raise NotFound()
    if _member(user, room.id) is None and room.visibility != Visibility.NETWORK:
        raise NotFound()
    return room


def require_member(user: User, room_id: int) -> tuple[Room, Member]:
    """The room and the user's membership, if they may read it; 404 otherwise."""
    authz.require_user(user)
    room = db.session.get(Room, room_id)
    member = _member(user, room_id) if room is not None else None
    if room is None or member is None or not may_take_part(user, room):
        raise NotFound()
    return room, member


def _require_room_admin(user: User, room: Room, member: Member | None) -> None:
    if user.is_platform_admin:
        return
    if member is None or member.role != MemberRole.OWNER:
        raise Forbidden("Only an owner of this room may do this.")


@documents.register_reader
def _room_members_read_attachments(user: User, document_id: int) -> bool:
    """A document attached to a message is readable by whoever may read that room."""
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


# --- rooms -------------------------------------------------------------------------------


def _users_for(actor: User, user_ids: list[int], field: str = "member_ids") -> list[User]:
    """Active users by id, locked (key share) in id order so none is deleted meanwhile."""
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


def _check_may_take_part(room: Room, users: list[User], field: str) -> None:
    refused = [u.id for u in users if not may_take_part(u, room)]
    if refused:
        raise InvalidInput(
            {
                field: Text("User(s) %(ids)s cannot take part in this room: "
                            "landlords only take part in rooms about their own listings.",
                            ids=", ".join(map(str, refused)))
            }
        )


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
        _visible_listing(actor, listing_id)
    if not is_staff(actor) and (listing_id is None or not _owns_listing(actor, listing_id)):
        raise Forbidden("Landlords may only open rooms about their own listings.")
    name = name.strip()
    if kind == RoomKind.DIRECT:
        return _open_direct_room(actor, member_ids, visibility, listing_id, name, topic,
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
    others = _users_for(actor, member_ids)
    _check_may_take_part(room, others, "member_ids")
    db.session.add(room)
    db.session.flush()
    _add_members(room, [(actor, MemberRole.OWNER), *[(u, MemberRole.MEMBER) for u in others]])
    return room, True


def _open_direct_room(
    actor: User,
    member_ids: list[int],
    visibility: str | None,
    listing_id: int | None,
    name: str,
    topic: str,
    retention_days: int | None,
) -> tuple[Room, bool]:
    others = set(member_ids) - {actor.id}
    if len(others) != 1:
        raise InvalidInput({"member_ids": "A direct room has exactly one other member."})
    if visibility == Visibility.NETWORK:
        raise InvalidInput({"visibility": "A direct room is private."})
    if listing_id is not None:
        raise InvalidInput({"listing_id": "A direct room is about no listing; use a group."})
    (other,) = _users_for(actor, list(others))
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
    _check_may_take_part(room, [actor, other], "member_ids")
    _add_members(room, [(actor, MemberRole.OWNER), (other, MemberRole.OWNER)])
    return room, True


def _latest_message_id(room_id: int) -> int | None:
    return db.session.scalar(select(func.max(Message.id)).where(Message.room_id == room_id))


def _add_members(room: Room, users_and_roles: list[tuple[User, str]]) -> list[User]:
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
    room = get_room(actor, room_id)
    if room.visibility != Visibility.NETWORK and _member(actor, room.id) is None:
        raise NotFound()
    _add_members(room, [(actor, MemberRole.MEMBER)])
    return room


def do_add_member(actor: User, room_id: int, user_id: int) -> Member:
    """A member adds someone who may take part; 409 if they are in already."""
    room, _member_row = require_member(actor, room_id)
    if room.kind == RoomKind.DIRECT:
        raise Conflict("A direct room has two members; open a group instead.")
    (user,) = _users_for(actor, [user_id], field="user_id") or [None]
    if user is None:
        raise Conflict("You are a member already.")
    _check_may_take_part(room, [user], "user_id")
    if not _add_members(room, [(user, MemberRole.MEMBER)]):
        raise Conflict("This person is a member already.")
    return _member(user, room.id)


def do_update_room(actor: User, room_id: int, changes: dict[str, Any]) -> Room:
    """Owners (and platform admins) change the name, topic and retention of a room."""
    room = db.session.get(Room, room_id)
    member = _member(actor, room_id) if room is not None else None
    if room is None or not may_take_part(actor, room) or (
        member is None and not actor.is_platform_admin
    ):
        raise NotFound()
    _require_room_admin(actor, room, member)
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
    _room, member = require_member(actor, room_id)
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
        if not is_staff(user):
            stmt = stmt.where(Room.listing_id.in_(own_listing_ids(user)))
    else:
        stmt = select(Room).where(Room.id.in_(readable_room_ids(user)))
    if cursor:
        stmt = stmt.where(Room.id > _cursor_id(cursor))
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
    unread = dict(
        db.session.execute(
            select(Message.room_id, func.count())
            .join(
                Member,
                (Member.room_id == Message.room_id) & (Member.user_id == user.id),
            )
            .where(
                Message.room_id.in_(ids),
                Message.id > func.coalesce(Member.last_read_message_id, 0),
                Message.deleted_at.is_(None),
                or_(Message.author_id.is_(None), Message.author_id != user.id),
            )
            .group_by(Message.room_id)
        ).all()
    )
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


#: The unread total in the navigation counts up to this ("99+").
UNREAD_TOTAL_CAP = 100


def unread_total(user: User) -> int:
    """Messages of others after the user's watermark in all their rooms but muted ones,
    counted up to UNREAD_TOTAL_CAP (the navigation shows "99+" beyond)."""
    if not getattr(user, "is_authenticated", False) or user.disabled:
        return 0
    unread = (
        select(Message.id)
        .join(Member, (Member.room_id == Message.room_id) & (Member.user_id == user.id))
        .where(
            Member.muted.is_(False),
            Message.room_id.in_(readable_room_ids(user)),
            Message.id > func.coalesce(Member.last_read_message_id, 0),
            Message.deleted_at.is_(None),
            or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
        .limit(UNREAD_TOTAL_CAP)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(unread)) or 0


#: At most this many people are suggested for a search.
PEOPLE_LIMIT = 20


def find_people(actor: User, q: str, limit: int = PEOPLE_LIMIT) -> list[tuple[User, str]]:
    """People a staff member may open a room with: active staff of verified public
    organisations whose name or e-mail contains ``q``; with their organisation's
    name. Landlords open rooms only about their listings, with the people there: 403."""
    authz.require_user(actor)
    if not is_staff(actor):
        raise Forbidden("Only staff open rooms with others.")
    q = q.strip()
    rows = db.session.execute(
        select(User, Organization.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(
            User.disabled.is_(False),
            User.id != actor.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(sorted(authz.STAFF_ROLES)),
            Organization.kind.in_(sorted(authz.PUBLIC_KINDS)),
            Organization.verified.is_(True),
            or_(User.name.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True)),
        )
        .order_by(User.name, User.id, Organization.name)
        .limit(limit * 3)
    ).all()
    people: dict[int, tuple[User, str]] = {}
    for user, organization in rows:
        people.setdefault(user.id, (user, organization))
    return list(people.values())[:limit]


def room_members(user: User, room_id: int) -> list[Member]:
    """Members of a room the user may see (its members, or staff for a network room)."""
    room = get_room(user, room_id)
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


# --- messages ----------------------------------------------------------------------------


def _cursor_id(cursor: str) -> int:
    return id_cursor(cursor)


def _with_documents(stmt: Select) -> Select:
    return stmt.options(
        selectinload(Message.author),
        selectinload(Message.attachments).selectinload(MessageDocument.document),
    )


def list_messages(
    user: User,
    room_id: int,
    after: int | None = None,
    before: int | None = None,
    thread: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """A room's messages in ascending id order.

    With `after` (or a cursor) the next `limit` messages after that id, and a cursor for
    the ones after those; otherwise the latest `limit` (before `before`, when given).
    With `thread`, only that thread: its first message and the replies to it.
    """
    room, _member_row = require_member(user, room_id)
    stmt = select(Message).where(Message.room_id == room.id)
    if thread is not None:
        stmt = stmt.where(or_(Message.id == thread, Message.reply_to_id == thread))
    if cursor:
        after = _cursor_id(cursor)
    if after is not None:
        stmt = stmt.where(Message.id > after)
        if before is not None:
            stmt = stmt.where(Message.id < before)
        rows = list(db.session.scalars(_with_documents(stmt.order_by(Message.id).limit(limit + 1))))
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor([rows[-1].id]) if more and rows else None)
    if before is not None:
        stmt = stmt.where(Message.id < before)
    rows = list(db.session.scalars(_with_documents(stmt.order_by(Message.id.desc()).limit(limit))))
    rows.reverse()
    return Page(rows, None)


def _load_message(user: User, message_id: int) -> tuple[Message, Room, Member]:
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound()
    room, member = require_member(user, message.room_id)
    return message, room, member


def do_post_message(
    actor: User,
    room_id: int,
    body: str,
    document_ids: list[int] | None = None,
    listing_id: int | None = None,
    reply_to_id: int | None = None,
) -> Message:
    """Store a message (with its attachments); it is sent to the room after commit."""
    room, member = require_member(actor, room_id)
    body = (body or "").strip()
    attachments = documents.get_attachable(actor, document_ids or [])
    if not body and not attachments and listing_id is None:
        raise InvalidInput({"body": "Write something, attach a file or share a listing."})
    if listing_id is not None:
        _visible_listing(actor, listing_id)
    thread_id = None
    if reply_to_id is not None:
        parent = db.session.get(Message, reply_to_id)
        if parent is None or parent.room_id != room.id:
            raise InvalidInput({"reply_to_id": "No such message in this room."})
        # Threads are one level deep: a reply to a reply joins its thread.
        thread_id = parent.reply_to_id or parent.id
    message = Message(
        room_id=room.id,
        author_id=actor.id,
        body=body,
        listing_id=listing_id,
        reply_to_id=thread_id,
    )
    message.author = actor
    db.session.add(message)
    db.session.flush()
    for position, document in enumerate(attachments):
        db.session.add(MessageDocument(message_id=message.id, document=document,
                                       position=position))
    db.session.flush()
    db.session.refresh(message, ["attachments"])
    # One's own message is read.
    _move_watermark(member, message.id)
    mentioned = _notify_mentioned(actor, room, message)
    if thread_id is not None:
        _notify_thread(actor, room, message, thread_id, already_told=mentioned)
    signals.chat_message_posted.send(message)
    return message


# --- mentions ----------------------------------------------------------------------------

#: How much of a message a mention or reply notification quotes.
MENTION_EXCERPT_LENGTH = 200


def find_mentions(body: str, people: list[tuple[int, str]]) -> list[int]:
    """Ids of the people named in the body as "@Full Name" (any case; the name must not
    run on into a longer word). Longer names are matched first, so "@Anna Maria Berg"
    names Anna Maria Berg and not also a member called Anna Maria."""
    if "@" not in body:
        return []
    folded = body.casefold()
    taken: list[tuple[int, int]] = []
    found: list[int] = []
    for user_id, name in sorted(people, key=lambda person: -len(person[1])):
        name = name.strip().casefold()
        if not name:
            continue
        for match in re.finditer("@" + re.escape(name) + r"(?!\w)", folded):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            if user_id not in found:
                found.append(user_id)
    return found


def _notification_payload(actor: User, room: Room, message: Message) -> dict[str, Any]:
    """What a mention or reply notification carries: where, who, and a quote."""
    return {
        "room_id": room.id,
        "room_name": room.name if room.kind != RoomKind.DIRECT else actor.name,
        "message_id": message.id,
        "author": {"id": actor.id, "name": actor.name},
        "excerpt": message.body[:MENTION_EXCERPT_LENGTH],
    }


def _notify_mentioned(actor: User, room: Room, message: Message) -> set[int]:
    """Members named in a new message get an in-app notification (sent live after commit).
    Returns the ids of those notified, so that nobody is told twice of one message."""
    if "@" not in message.body:
        return set()
    others = db.session.execute(
        select(User.id, User.name)
        .join(Member, Member.user_id == User.id)
        .where(Member.room_id == room.id, User.id != actor.id, User.disabled.is_(False))
    ).all()
    mentioned = find_mentions(message.body, [(user_id, name) for user_id, name in others])
    if not mentioned:
        return set()
    payload = _notification_payload(actor, room, message)
    notified: set[int] = set()
    for user in db.session.scalars(select(User).where(User.id.in_(mentioned)).order_by(User.id)):
        # Someone who may no longer take part (a landlord whose listing changed hands)
        # is not told what was said.
        if may_take_part(user, room):
            listings.notify(user.id, "chat_mention", payload)
            notified.add(user.id)
    return notified


def _notify_thread(
    actor: User, room: Room, message: Message, thread_id: int, already_told: set[int]
) -> None:
    """A reply tells the thread's root author and everyone who wrote in the thread before
    (`chat_reply`, sent live after commit): not the replier, not someone this message
    already mentions, not someone who left the room, may no longer take part in it or
    muted it (a mention still reaches a muted member)."""
    participants = (
        select(Message.author_id)
        .where(
            Message.room_id == room.id,
            or_(Message.id == thread_id, Message.reply_to_id == thread_id),
            Message.id < message.id,
            Message.author_id.is_not(None),
        )
    )
    recipients = db.session.execute(
        select(User, Member.last_read_message_id)
        .join(Member, Member.user_id == User.id)
        .where(
            Member.room_id == room.id,
            Member.muted.is_(False),
            User.id.in_(participants),
            User.id != actor.id,
            User.disabled.is_(False),
        )
        .order_by(User.id)
    ).all()
    # Earlier replies in the thread (id, author): one the recipient has not read yet was
    # mailed already, so this one only rings the bell (one e-mail per thread until read).
    earlier = db.session.execute(
        select(Message.id, Message.author_id).where(
            Message.room_id == room.id,
            Message.reply_to_id == thread_id,
            Message.id < message.id,
            Message.deleted_at.is_(None),
        )
    ).all()
    payload = {**_notification_payload(actor, room, message), "thread_id": thread_id}
    for user, last_read in recipients:
        if user.id in already_told or not may_take_part(user, room):
            continue
        # Read: up to the read watermark, and whatever came before one's own reply.
        seen = max([last_read or 0, *(i for i, author_id in earlier if author_id == user.id)])
        unread_before = any(i > seen and author_id != user.id for i, author_id in earlier)
        listings.notify(user.id, "chat_reply", payload, email=not unread_before)


# --- requesting a shared listing ---------------------------------------------------------


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
            is_staff(user) or _owns_listing(user, listing.id)
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


def do_request_listing(
    actor: User, listing_id: int, body: str = "", message_id: int | None = None
) -> tuple[Room, Message, Listing]:
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
        in_my_rooms = shared is not None and _member(actor, shared.room_id) is not None
        if not in_my_rooms or shared.listing_id != listing_id:
            raise InvalidInput({"message_id": "No message of your rooms shares this listing."})
        poster_id = shared.author_id
    # Locks the listing row: of two officials asking at once, the second waits and gets 409.
    listing = listings.change_status(actor, listing_id, "reserve")
    other = _counterpart(actor, listing, poster_id)
    if is_staff(other):
        room, _created = _open_direct_room(actor, [other.id], None, None, "", "", None)
    else:
        room = _listing_room_of(actor, other, listing)
    message = do_post_message(actor, room.id, body, listing_id=listing.id)
    listings.notify(
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
    return room, message, listing


def do_edit_message(actor: User, message_id: int, body: str) -> Message:
    """The author edits their message within CHAT_EDIT_WINDOW_SECONDS of posting it."""
    message, _room, _member_row = _load_message(actor, message_id)
    if message.author_id != actor.id:
        raise Forbidden("Only the author may edit a message.")
    if message.deleted_at is not None:
        raise Conflict("This message was deleted.")
    window = current_app.config["CHAT_EDIT_WINDOW_SECONDS"]
    if _now() - message.created_at > timedelta(seconds=window):
        raise Conflict(Text("Messages can be edited for %(minutes)s minutes after posting.",
                            minutes=window // 60))
    body = (body or "").strip()
    if not body and not message.attachments and message.listing_id is None:
        raise InvalidInput({"body": "A message cannot be empty; delete it instead."})
    message.body = body
    message.edited_at = _now()
    db.session.flush()
    signals.chat_message_changed.send(message)
    return message


def do_delete_message(actor: User, message_id: int) -> Message:
    """The author (or a platform admin) deletes a message: the row stays, emptied, so
    that clients' ids stay continuous; its attachments are unlinked."""
    message, _room, _member_row = _load_message(actor, message_id)
    if message.author_id != actor.id and not actor.is_platform_admin:
        raise Forbidden("Only the author may delete a message.")
    if message.deleted_at is not None:
        return message
    message.body = ""
    message.listing_id = None
    message.deleted_at = _now()
    db.session.execute(delete(MessageDocument).where(MessageDocument.message_id == message.id))
    db.session.flush()
    db.session.expire(message, ["attachments"])
    signals.chat_message_changed.send(message)
    return message


def _now() -> datetime:
    return db.session.scalar(select(func.now()))


# --- read state --------------------------------------------------------------------------


def _move_watermark(member: Member, message_id: int) -> bool:
    """Move the read watermark forward (never back), atomically in the database."""
    moved = db.session.scalar(
        update(Member)
        .where(
            Member.id == member.id,
            func.coalesce(Member.last_read_message_id, 0) < message_id,
        )
        .values(last_read_message_id=message_id)
        .returning(Member.id)
    )
    db.session.refresh(member, ["last_read_message_id"])
    return moved is not None


def do_mark_read(actor: User, room_id: int, message_id: int) -> Member:
    """Everything up to this message is read; a read receipt goes to the room."""
    room, member = require_member(actor, room_id)
    exists = db.session.scalar(
        select(Message.id).where(Message.id == message_id, Message.room_id == room.id)
    )
    if exists is None:
        raise InvalidInput({"message_id": "No such message in this room."})
    if _move_watermark(member, message_id):
        signals.chat_read.send(member)
    return member


# --- search ------------------------------------------------------------------------------


@dataclass
class SearchHit:
    message: Message
    rank: float

    def __getattr__(self, name: str) -> Any:
        return getattr(self.message, name)


def search_messages(
    user: User, q: str, room_id: int | None, limit: int, cursor: str | None
) -> Page:
    """German full-text search over the messages of rooms the user may read, best first.

    `websearch_to_tsquery` takes what people type ("Unterkunft -Zelt", quoted phrases);
    German stemming finds other forms of a word ("Unterkünfte" for "Unterkunft").
    """
    authz.require_user(user)
    query = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), q)
    rank = func.ts_rank_cd(Message.search, query)
    stmt = select(Message, rank).where(
        Message.search.op("@@")(query),
        Message.deleted_at.is_(None),
        Message.room_id.in_(readable_room_ids(user)),
    )
    if room_id is not None:
        stmt = stmt.where(Message.room_id == room_id)
    offset = _cursor_id(cursor) if cursor else 0
    rows = db.session.execute(
        _with_documents(stmt.order_by(rank.desc(), Message.id.desc()))
        .offset(offset)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    hits = [SearchHit(message, float(score)) for message, score in rows[:limit]]
    return Page(hits, encode_cursor([offset + limit]) if more else None)


# --- records -----------------------------------------------------------------------------


def export_room(actor: User, room_id: int) -> dict[str, Any]:
    """Everything of a room for the records: the room, its members, every message with
    its documents listed. For the room's owners and platform admins."""
    authz.require_user(actor)
    room = db.session.get(Room, room_id)
    member = _member(actor, room_id) if room is not None else None
    if room is None or not may_take_part(actor, room) or (
        member is None and not actor.is_platform_admin
    ):
        raise NotFound()
    _require_room_admin(actor, room, member)
    messages = list(
        db.session.scalars(
            _with_documents(select(Message).where(Message.room_id == room.id)).order_by(
                Message.id
            )
        )
    )
    members = list(
        db.session.scalars(
            select(Member).where(Member.room_id == room.id).options(selectinload(Member.user))
        )
    )
    return {"room": room, "members": members, "messages": messages, "exported_at": _now()}


def purge_expired_messages(now: datetime | None = None) -> int:
    """Delete messages older than their room's `retention_days` (attachment links go with
    them; replies keep standing without their thread start). Returns how many."""
    now = now or _now()
    expired = (
        select(Message.id)
        .join(Room, Room.id == Message.room_id)
        .where(
            Room.retention_days.is_not(None),
            Message.created_at < now - Room.retention_days * timedelta(days=1),
        )
    )
    result = db.session.execute(
        delete(Message).where(Message.id.in_(expired)).returning(Message.id)
    )
    return len(result.all())


# --- threads of other domains ----------------------------------------------------------------


def _transfer_summary(transfer, listing: Listing, actor: User) -> str:
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


@signals.transfer_requested.connect
def _open_transfer_thread(transfer, actor: User, recipient_ids: list[int], **_extra) -> None:
    """A transfer request (capacity) gets its chat thread: a private group of the asking
    user and the offering side's officials and admins about the listing, opened with the
    request's message. Capacity only sends the signal; the room id is written back onto
    the request."""
    listing = db.session.get(Listing, transfer.listing_id)
    name = f"#{transfer.id} {listing.title}"[:200]
    room, _created = do_create_room(
        actor, RoomKind.GROUP.value, [u for u in recipient_ids if u != actor.id], name=name,
        visibility=Visibility.PRIVATE.value, listing_id=listing.id,
    )
    body = transfer.message or _transfer_summary(transfer, listing, actor)
    do_post_message(actor, room.id, body, listing_id=listing.id)
    transfer.room_id = room.id
