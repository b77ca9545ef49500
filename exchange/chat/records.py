"""Records: a room's export for its owners, and the retention that deletes old messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from exchange.chat.access import get_administered_room_for
from exchange.chat.messages import db_now, with_documents
from exchange.chat.models import Member, Message, Room
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import User


@dataclass
class RoomExport:
    """A room for the records (dumped by ExportSchema)."""

    room: Room
    members: list[Member]
    messages: list[Message]
    exported_at: datetime


def export_room(actor: User, room_id: int) -> RoomExport:
    """Everything of a room for the records: the room, its members, every message with
    its documents listed. For the room's owners and platform admins."""
    authz.require_user(actor)
    room = get_administered_room_for(actor, room_id)
    messages = list(
        db.session.scalars(
            with_documents(select(Message).where(Message.room_id == room.id)).order_by(
                Message.id
            )
        )
    )
    members = list(
        db.session.scalars(
            select(Member).where(Member.room_id == room.id).options(selectinload(Member.user))
        )
    )
    return RoomExport(room, members, messages, db_now())


def purge_expired_messages(now: datetime | None = None) -> int:
    """Delete messages older than their room's `retention_days` (attachment links go with
    them; replies keep standing without their thread start). Returns how many."""
    now = now or db_now()
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
