"""The one place that talks to Socket.IO.

Services never emit: they flush and send a signal (exchange.signals). The receivers here
queue the event on the database session and emit it only after that session commits, so
no client ever hears of a change that was rolled back. With REDIS_URL set, Flask-SocketIO
relays every emit through Redis to all server processes.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_login import current_user
from flask_socketio import disconnect, join_room
from sqlalchemy import event
from sqlalchemy.orm import Session

from exchange import signals
from exchange.extensions import db, socketio

_PENDING = "exchange_pending_emits"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def session_room(key: str) -> str:
    return f"session:{key}"


def emit_after_commit(event_name: str, data: Any, room: str | None = None) -> None:
    """Queue an emit on the current transaction; it goes out after commit, or never."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops the emit
    session.info.setdefault(_PENDING, []).append((event_name, data, room))


@event.listens_for(Session, "after_commit")
def _send_pending(sess: Session) -> None:
    for event_name, data, room in sess.info.pop(_PENDING, []):
        if event_name == "_close_session":
            _close_session_sockets(data)
        else:
            socketio.emit(event_name, data, to=room)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(sess: Session, previous_transaction) -> None:
    # Fires on every rollback() call, even one with no SQL since the last commit; a
    # rolled-back savepoint inside a still open transaction keeps the outer emits.
    if not sess.in_transaction():
        sess.info.pop(_PENDING, None)


def _close_session_sockets(key: str) -> None:
    room = session_room(key)
    # Tell every process's clients of that session (through the queue when there is one),
    # then disconnect the sockets this process holds; the others are refused on their next
    # event because the login session has ended (see _authorised).
    socketio.emit("session_ended", {}, to=room)
    server = socketio.server
    if server is None:
        return
    for sid, _eio_sid in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/")


@signals.session_ended.connect
def _on_session_ended(key: str, **_: Any) -> None:
    emit_after_commit("_close_session", key)


# --- connection ----------------------------------------------------------------------------


def _authenticate_socket(auth: Any):
    """The user of a socket: an API token in `auth`, or the session cookie's user."""
    from exchange.profiles import services as profiles

    if isinstance(auth, dict) and auth.get("token"):
        return profiles.user_for_token(str(auth["token"])), None
    if current_user.is_authenticated:
        return current_user._get_current_object(), session.get("login_session")
    return None, None


def register_handlers() -> None:
    @socketio.on("connect")
    def _connect(auth: Any = None) -> bool:
        user, session_key = _authenticate_socket(auth)
        if user is None:
            return False
        join_room(user_room(user.id))
        if session_key:
            join_room(session_room(session_key))
        return True


def require_socket_user():
    """For socket event handlers: the user, or disconnect when the session has ended."""
    from exchange.profiles import services as profiles

    key = session.get("login_session")
    if current_user.is_authenticated and (
        key is None or profiles.login_session_valid(current_user.id, key)
    ):
        return current_user._get_current_object()
    disconnect(request.sid)
    return None
