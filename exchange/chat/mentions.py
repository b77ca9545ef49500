"""Who hears of a new message besides the room: the people it mentions ("@Full Name") and,
for a reply, the people of its thread (`chat_mention`, `chat_reply` notifications).

Threads are one level deep: a reply names its thread's first message (`reply_to_id`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_, select

from exchange import notifications
from exchange.chat.access import may_take_part
from exchange.chat.models import Member, Message, Room, RoomKind
from exchange.extensions import db
from exchange.profiles.models import User

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


def notify_mentioned(actor: User, room: Room, message: Message) -> set[int]:
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
            notifications.notify(user.id, "chat_mention", payload)
            notified.add(user.id)
    return notified


def notify_thread(
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
        notifications.notify(user.id, "chat_reply", payload, email=not unread_before)
