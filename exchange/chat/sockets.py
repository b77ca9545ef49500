"""Chat over Socket.IO: the rooms a socket joins, client events, and the signal receivers
that queue server events (exchange.realtime sends them after commit).

Server → client: `message` (Message), `message_updated` (Message, edited or deleted),
`typing` {room_id, user}, `read` {room_id, user_id, message_id}, `presence`
{user_id, online}, `room` {event: "member_added", room_id, user_id}.
Client → server: `send` {room_id, body, document_ids?, listing_id?, reply_to_id?} acked
with the stored Message or {"error": ..., "errors"?}; `typing` {room_id};
`read` {room_id, message_id} acked with {} or {"error": ...}.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import ValidationError

from exchange import realtime, signals
from exchange.chat import services
from exchange.chat.schemas import MessageArgs, MessageSchema, ReadArgs
from exchange.errors import ServiceError, Text, localise
from exchange.extensions import socketio
from exchange.profiles.models import User
from exchange.transaction import socket_unit_of_work


def room_key(room_id: int) -> str:
    return f"room:{room_id}"


def _rooms_on_connect(user: User) -> list[str]:
    return [room_key(room_id) for room_id in services.socket_room_ids(user)]


# --- signal receivers: queue the events, sent after commit -------------------------------


@signals.chat_message_posted.connect
def _on_message_posted(message, **_: Any) -> None:
    realtime.emit_after_commit("message", MessageSchema().dump(message),
                               room=room_key(message.room_id))


@signals.chat_message_changed.connect
def _on_message_changed(message, **_: Any) -> None:
    realtime.emit_after_commit("message_updated", MessageSchema().dump(message),
                               room=room_key(message.room_id))


@signals.chat_members_added.connect
def _on_members_added(room, user_ids: list[int], **_: Any) -> None:
    for user_id in user_ids:
        realtime.enter_room_after_commit(user_id, room_key(room.id))
    for user_id in user_ids:
        realtime.emit_after_commit(
            "room", {"event": "member_added", "room_id": room.id, "user_id": user_id},
            room=room_key(room.id),
        )


@signals.chat_read.connect
def _on_read(member, **_: Any) -> None:
    realtime.emit_after_commit(
        "read",
        {"room_id": member.room_id, "user_id": member.user_id,
         "message_id": member.last_read_message_id},
        room=room_key(member.room_id),
    )


# --- client events -----------------------------------------------------------------------


def _error(error: ServiceError | ValidationError) -> dict:
    if isinstance(error, ValidationError):
        return localise({"error": "Invalid input.", "errors": error.messages})
    body: dict[str, Any] = {"error": error.message}
    if error.errors:
        body["errors"] = error.errors
    return body


def _room_id(data: Any) -> int | None:
    room_id = data.get("room_id") if isinstance(data, dict) else None
    return room_id if type(room_id) is int and room_id > 0 else None


def register_handlers() -> None:
    realtime.add_connect_rooms(_rooms_on_connect)

    @socketio.on("send")
    @socket_unit_of_work
    def _send(data: Any = None) -> dict:
        user = realtime.require_socket_user()
        if user is None:
            return {"error": localise("Not logged in.")}
        room_id = _room_id(data)
        if room_id is None:
            return localise({"error": "Invalid input.",
                             "errors": {"room_id": [Text("Not a valid id.")]}})
        try:
            fields = {k: v for k, v in data.items() if k != "room_id"}
            args = MessageArgs().load(fields)
            message = services.do_post_message(user, room_id, **args)
        except (ServiceError, ValidationError) as error:
            return _error(error)
        return MessageSchema().dump(message)

    @socketio.on("typing")
    def _typing(data: Any = None) -> None:
        user = realtime.require_socket_user()
        room_id = _room_id(data)
        if user is None or room_id is None:
            return
        try:
            services.require_member(user, room_id)
        except ServiceError:
            return
        realtime.emit_now(
            "typing",
            {"room_id": room_id, "user": {"id": user.id, "name": user.name}},
            room=room_key(room_id),
            skip_sid=request.sid,
        )

    @socketio.on("read")
    @socket_unit_of_work
    def _read(data: Any = None) -> dict:
        user = realtime.require_socket_user()
        if user is None:
            return {"error": localise("Not logged in.")}
        room_id = _room_id(data)
        if room_id is None:
            return localise({"error": "Invalid input.",
                             "errors": {"room_id": [Text("Not a valid id.")]}})
        try:
            args = ReadArgs().load({k: v for k, v in data.items() if k != "room_id"})
            services.do_mark_read(user, room_id, args["message_id"])
        except (ServiceError, ValidationError) as error:
            return _error(error)
        return {}
