"""Chat over Socket.IO: the client events (what a socket sends and is answered). The
events the server sends after a commit are built in exchange.chat.events.

Server → client, sent at once: `typing` {room_id, user} to the room's other sockets.
Client → server: `send` {room_id, body, document_ids?, listing_id?, reply_to_id?} acked
with the stored Message or {"error": ..., "errors"?}; `typing` {room_id};
`read` {room_id, message_id} acked with {} or {"error": ...}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from marshmallow import ValidationError

from exchange import realtime
from exchange.chat.access import get_membership_for
from exchange.chat.events import room_key
from exchange.chat.messages import do_post_message
from exchange.chat.read_state import do_mark_read
from exchange.chat.schemas import MESSAGE_SCHEMA, MessageArgs, ReadArgs
from exchange.errors import ServiceError, Text, localise
from exchange.extensions import socketio
from exchange.transaction import socket_unit_of_work

# Made once: a marshmallow schema costs more to make than a message costs to load.
_MESSAGE_ARGS = MessageArgs()
_READ_ARGS = ReadArgs()


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


def _room_event(data: Any, handle: Callable[[Any, int, dict], dict]) -> dict:
    """Answer a client's event about one room: the login and `room_id` checks, then
    `handle(user, room_id, other_fields)`; its service or input errors become the ack."""
    user = realtime.require_socket_user()
    if user is None:
        return {"error": localise("Not logged in.")}
    room_id = _room_id(data)
    if room_id is None:
        return localise({"error": "Invalid input.",
                         "errors": {"room_id": [Text("Not a valid id.")]}})
    try:
        return handle(user, room_id, {k: v for k, v in data.items() if k != "room_id"})
    except (ServiceError, ValidationError) as error:
        return _error(error)


def register_handlers() -> None:
    """Connect the client event handlers (called from create_app)."""

    @socketio.on("send")
    @socket_unit_of_work
    def _send(data: Any = None) -> dict:
        def post(user: Any, room_id: int, fields: dict) -> dict:
            message = do_post_message(user, room_id, **_MESSAGE_ARGS.load(fields))
            return MESSAGE_SCHEMA.dump(message)

        return _room_event(data, post)

    @socketio.on("typing")
    def _typing(data: Any = None) -> None:
        user = realtime.require_socket_user()
        room_id = _room_id(data)
        if user is None or room_id is None:
            return
        try:
            get_membership_for(user, room_id)
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
        def mark(user: Any, room_id: int, fields: dict) -> dict:
            do_mark_read(user, room_id, _READ_ARGS.load(fields)["message_id"])
            return {}

        return _room_event(data, mark)
