"""What chat tells others: the events its sockets hear, and its part in other domains.

Services flush and send a signal (exchange.signals); the receivers here queue the
Socket.IO event and exchange.realtime sends it only after the commit. A user's sockets
join the socket room of each chat room they may read when they connect (and those they
are added to later), so that presence and room events reach the people who share a room.

Server → client: `message` (Message), `message_updated` (Message, edited or deleted),
`read` (ReadReceipt), `room` {event: "member_added", room_id, user_id}; `typing` and
`presence` are sent at once by exchange.chat.sockets and exchange.realtime.

`register()` connects all of it; create_app calls it once per app (connecting twice has
no further effect).
"""

from __future__ import annotations

from typing import Any

from exchange import realtime, signals
from exchange.chat.access import may_read_attachment
from exchange.chat.listing_requests import on_listing_reserved
from exchange.chat.models import Member, Message, Room
from exchange.chat.rooms import socket_room_ids
from exchange.chat.schemas import MESSAGE_SCHEMA, ReadReceiptSchema
from exchange.chat.transfer_threads import open_transfer_thread
from exchange.documents import services as documents
from exchange.profiles.models import User


def room_key(room_id: int) -> str:
    """The Socket.IO room of a chat room."""
    return f"room:{room_id}"


def rooms_on_connect(user: User) -> list[str]:
    """The socket rooms of the chat rooms whose events the user's sockets receive."""
    return [room_key(room_id) for room_id in socket_room_ids(user)]


def on_message_posted(message: Message, **_: Any) -> None:
    """`message` to the room."""
    realtime.emit_after_commit("message", MESSAGE_SCHEMA.dump(message),
                               room=room_key(message.room_id))


def on_message_changed(message: Message, **_: Any) -> None:
    """`message_updated` to the room (edited, or deleted and emptied)."""
    realtime.emit_after_commit("message_updated", MESSAGE_SCHEMA.dump(message),
                               room=room_key(message.room_id))


def on_members_added(room: Room, user_ids: list[int], **_: Any) -> None:
    """The newcomers' open sockets join the room, and the room hears who came."""
    for user_id in user_ids:
        realtime.enter_room_after_commit(user_id, room_key(room.id))
    for user_id in user_ids:
        realtime.emit_after_commit(
            "room", {"event": "member_added", "room_id": room.id, "user_id": user_id},
            room=room_key(room.id),
        )


def on_read(member: Member, **_: Any) -> None:
    """`read` to the room: the member's watermark moved."""
    realtime.emit_after_commit("read", ReadReceiptSchema().dump(member),
                               room=room_key(member.room_id))


def register() -> None:
    """Connect chat's receivers and hooks (called from create_app)."""
    realtime.add_connect_rooms(rooms_on_connect)
    documents.register_reader(may_read_attachment)
    signals.chat_message_posted.connect(on_message_posted)
    signals.chat_message_changed.connect(on_message_changed)
    signals.chat_members_added.connect(on_members_added)
    signals.chat_read.connect(on_read)
    signals.transfer_requested.connect(open_transfer_thread)
    signals.listing_reserved.connect(on_listing_reserved)
