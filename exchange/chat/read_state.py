"""Read state: each member's read watermark, unread counts, marking read.

A member has read everything up to ``last_read_message_id``; the watermark only moves
forward. Unread are the messages of others after it (deleted ones do not count).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from exchange import signals
from exchange.chat.access import get_membership_for, readable_room_ids
from exchange.chat.models import Member, Message
from exchange.errors import InvalidInput
from exchange.extensions import db
from exchange.profiles.models import User

#: The unread total in the navigation counts up to this ("99+").
UNREAD_TOTAL_CAP = 100


def unread_counts(user: User, room_ids: list[int]) -> dict[int, int]:
    """Messages of others after the user's watermark, per room (rooms with none left out)."""
    return dict(
        db.session.execute(
            select(Message.room_id, func.count())
            .join(
                Member,
                (Member.room_id == Message.room_id) & (Member.user_id == user.id),
            )
            .where(
                Message.room_id.in_(room_ids),
                Message.id > func.coalesce(Member.last_read_message_id, 0),
                Message.deleted_at.is_(None),
                or_(Message.author_id.is_(None), Message.author_id != user.id),
            )
            .group_by(Message.room_id)
        ).all()
    )


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


def move_watermark(member: Member, message_id: int) -> bool:
    """Move the read watermark forward (never back), atomically in the database."""
    moved = db.session.scalar(
        update(Member)
        .where(
            Member.id == member.id,
            func.coalesce(Member.last_read_message_id, 0) < message_id,
        )
        .values(last_read_message_id=message_id)
        .returning(Member.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:  # someone moved it further meanwhile: learn how far
        db.session.refresh(member, ["last_read_message_id"])
    else:
        set_committed_value(member, "last_read_message_id", message_id)
    return moved is not None


def do_mark_read(actor: User, room_id: int, message_id: int) -> Member:
    """Everything up to this message is read; a read receipt goes to the room."""
    room, member = get_membership_for(actor, room_id)
    exists = db.session.scalar(
        select(Message.id).where(Message.id == message_id, Message.room_id == room.id)
    )
    if exists is None:
        raise InvalidInput({"message_id": "No such message in this room."})
    if move_watermark(member, message_id):
        signals.chat_read.send(member)
    return member
