"""The one place that talks to Socket.IO.

Services never emit: they flush and send a signal (exchange.signals). The receivers here
queue the event on the database session and emit it only after that session commits, so
no client ever hears of a change that was rolled back. With REDIS_URL set, Flask-SocketIO
relays every emit through Redis to all server processes.

Domains above (chat) extend the connection through hooks instead of being imported here:
``add_connect_rooms(fn)`` names the socket rooms a user joins on connect, and
``enter_room_after_commit(user_id, room)`` puts a user's open sockets, on every process,
into a room they were just given. Presence (who is online) is counted by exchange.presence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
import socketio as python_socketio
from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, join_room, rooms
from gevent import monkey

from exchange import signals, unavailable
from exchange.db import on_commit
from exchange.extensions import socketio
from exchange.presence import presence

log = logging.getLogger(__name__)

# A server-to-server instruction carried by the message queue like an emit (never sent to
# a client): every process puts the named user's sockets into a room.
_ENTER_ROOM = "_exchange_enter_room"
# Likewise: every process disconnects its sockets in the named room.
_CLOSE_ROOM = "_exchange_close_room"
# Likewise: every process moves the named user's sockets to the rooms given (those joined
# on connect that no longer fit are left).
_REROOM = "_exchange_reroom"


def serving_mode() -> str:
    """Socket.IO's async mode for this process: ``gevent`` when gunicorn's gevent worker
    has patched the standard library before loading the app (as deployed: every open
    socket is then a greenlet, not a thread, so thousands of them cannot take the threads
    HTTP requests need), else ``threading`` (the development server, the test client)."""
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def run_after_answer(work: Callable[[], None]) -> None:
    """Run a socket event's after-commit work (its broadcasts) once the event's
    acknowledgement is queued, where that is safe and worth it: in one gevent process
    that serves every socket itself (no message queue). There the work runs in a greenlet
    of its own, which starts when the handler's greenlet has finished, after
    python-socketio queued the acknowledgement: the sender is answered first instead of
    behind the message's copies for every member of the room (a sender waits for that
    answer before it sends again; benchmarks/README.md, "Chat"). Should the process die
    in between, every socket dies with it and every client catches up by id when it
    reconnects. With Redis the work runs at once, before the answer: an acknowledged
    message has then been handed to the queue that carries it to the other processes'
    sockets, whose clients would not reconnect. In threads (the development server, the
    test client) it runs at once as well."""
    if serving_mode() != "gevent" or isinstance(socketio.server.manager, RoomAwareRedisManager):
        work()
        return
    app = current_app._get_current_object()

    def in_app_context() -> None:
        with app.app_context():
            work()

    socketio.start_background_task(in_app_context)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def session_room(key: str) -> str:
    return f"session:{key}"


def emit_after_commit(event_name: str, data: Any, room: str | None = None) -> None:
    """Emit once the current transaction has committed, or never."""
    on_commit(lambda: socketio.emit(event_name, data, to=room))


def _close_session_sockets(key: str) -> None:
    _close_room_sockets(session_room(key))


def _close_room_sockets(room: str) -> None:
    # Tell every process's clients in the room (through the queue when there is one), then
    # disconnect them: here, and on every other process through the queue.
    socketio.emit("session_ended", {}, to=room)
    manager = socketio.server.manager if socketio.server is not None else None
    if isinstance(manager, RoomAwareRedisManager):
        manager.emit(_CLOSE_ROOM, {"room": room}, namespace="/")
    elif manager is not None:
        _close_room_here(manager, room)


def _close_room_here(manager, room: str) -> None:
    for sid, _eio_sid in list(manager.get_participants("/", room)):
        manager.server.disconnect(sid, namespace="/")


def emit_now(event_name: str, data: Any, room: str, skip_sid: str | None = None) -> None:
    """Emit at once an event that stores nothing (typing, presence): no commit to wait for."""
    socketio.emit(event_name, data, to=room, skip_sid=skip_sid)


def emit_import_progress(user_id: int, data: dict) -> None:
    """A registry import's progress ``{import_id, rows_done, bytes_read, bytes_total?}``
    to the importing user's sockets, at once: it describes work under way, not committed
    state (the import commits only at its end, and the report comes with its answer), so
    there is nothing to wait for and a rolled-back import has told nobody of a change."""
    socketio.emit("import_progress", data, to=user_room(user_id))


def enter_room_after_commit(user_id: int, room: str) -> None:
    """After commit, put every open socket of the user, on every process, into ``room``."""
    data = {"user_id": user_id, "room": room}
    on_commit(lambda: _everywhere(_ENTER_ROOM, data, _enter_room_here))


def _everywhere(event: str, data: dict, here) -> None:
    """Run a room change on this process, or publish it so that every process (this one
    included, see RoomAwareRedisManager) runs it on its own sockets."""
    manager = socketio.server.manager if socketio.server is not None else None
    if isinstance(manager, RoomAwareRedisManager):
        manager.emit(event, data, namespace="/")
    elif manager is not None:
        here(manager, data)


def _enter_room_here(manager, data: dict) -> None:
    for sid, _eio_sid in list(manager.get_participants("/", user_room(data["user_id"]))):
        manager.enter_room(sid, "/", data["room"])


def _reroom_here(manager, data: dict) -> None:
    wanted = set(data["rooms"])
    for sid, _eio_sid in list(manager.get_participants("/", user_room(data["user_id"]))):
        joined = _socket_connect_rooms.get(sid, set())
        for room in joined - wanted:
            manager.leave_room(sid, "/", room)
        for room in wanted - joined:
            manager.enter_room(sid, "/", room)
        _socket_connect_rooms[sid] = wanted


RESYNC = "resync"
# Between reconnects of the listener (python-socketio backs off to 60 s; a pane would miss
# events that long).
RESUBSCRIBE_EVERY_SECONDS = 0.5


class RoomAwareRedisManager(python_socketio.RedisManager):
    """Flask-SocketIO's Redis queue, also carrying "enter this user's sockets into a room"
    and "close the sockets in this room" to every process: a socket lives in one process,
    and only that one can move or close it.

    A lost Redis loses the events that should have crossed to other processes meanwhile.
    So when it is back, clients are told to catch up: the listener, once it has
    subscribed again, sends ``resync`` to this process's sockets; a process whose publish
    failed sends ``resync`` to every process as soon as a publish goes through again. Clients
    treat ``resync`` like a reconnect (fetch ``after=`` what they have). Publishing waits
    at most ``timeout`` seconds (REDIS_TIMEOUT_SECONDS: a hung Redis costs a chat post 2 s,
    not its whole pause).
    """

    def __init__(self, url: str, channel: str, timeout: float = 2.0) -> None:
        super().__init__(url, channel=channel, redis_options={
            "socket_timeout": timeout, "socket_connect_timeout": timeout})
        self._timeout = timeout
        self._missed = threading.Event()

    def _redis_connect(self) -> None:
        super()._redis_connect()
        # The listener waits for messages as long as there are none: no read timeout on
        # its own connection, only on connecting (and TCP keepalive to notice a dead peer).
        listener = redis.Redis.from_url(
            self.redis_url, socket_connect_timeout=self._timeout, socket_keepalive=True)
        self.pubsub = listener.pubsub(ignore_subscribe_messages=True)

    def _redis_listen_with_retries(self):
        failed = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if failed:
                    log.warning("Redis is back: telling this process's clients to catch up")
                    self._resync_here()
                    failed = False
                yield from self.pubsub.listen()
            except Exception as error:  # any failure: try again soon, forever
                if not failed:
                    log.error("Lost Redis (%s): live events wait until it is back", error)
                failed = True
                time.sleep(RESUBSCRIBE_EVERY_SECONDS)

    def _resync_here(self) -> None:
        python_socketio.Manager.emit(self, RESYNC, {}, namespace="/")

    def _publish(self, data: Any) -> Any:
        sent = super()._publish(data)  # None when it gave up
        if sent is None and not self._missed.is_set():
            self._missed.set()
            threading.Thread(target=self._announce_when_back, daemon=True,
                             name="redis-resync").start()
        return sent

    def _announce_when_back(self) -> None:
        """Publish ``resync`` to every process once Redis takes it."""
        message = {"method": "emit", "event": RESYNC, "data": [{}], "binary": False,
                   "namespace": "/", "room": None, "skip_sid": None, "callback": None,
                   "host_id": self.host_id}
        while True:
            time.sleep(RESUBSCRIBE_EVERY_SECONDS)
            self._missed.clear()
            if super()._publish(message) is not None:
                return
            self._missed.set()

    def _handle_emit(self, message: dict) -> None:
        if message.get("event") in (_ENTER_ROOM, _CLOSE_ROOM, _REROOM):
            payload = message["data"]
            payload = payload[0] if isinstance(payload, list) else payload
            if message["event"] == _ENTER_ROOM:
                _enter_room_here(self, payload)
            elif message["event"] == _REROOM:
                _reroom_here(self, payload)
            else:
                _close_room_here(self, payload["room"])
            return
        super()._handle_emit(message)


def client_manager(redis_url: str | None, channel: str | None = None, timeout: float = 2.0):
    """The Socket.IO client manager for create_app: Redis-backed when REDIS_URL is set.

    Redis pub/sub channels ignore the database number, so two deployments sharing one
    Redis server would hear each other's events on a fixed channel; the channel is named
    after the database (or SOCKETIO_CHANNEL) instead.
    """
    if not redis_url:
        return None
    return RoomAwareRedisManager(redis_url, channel=channel or redis_channel(redis_url),
                                 timeout=timeout)


def redis_channel(redis_url: str) -> str:
    """`exchange-db<N>` for redis://host:port/<N> (database 0 when none is given)."""
    from urllib.parse import urlparse

    database = urlparse(redis_url).path.strip("/") or "0"
    return f"exchange-db{database}"


@signals.session_ended.connect
def _on_session_ended(key: str, **_: Any) -> None:
    on_commit(lambda: _close_session_sockets(key))


@signals.user_access_changed.connect
def _on_user_access_changed(user_id: int, **_: Any) -> None:
    # Disabled: all the user's sockets, cookie and token alike, are in their user room.
    on_commit(lambda: _close_room_sockets(user_room(user_id)))


@signals.user_rooms_changed.connect
def _on_user_rooms_changed(user, **_: Any) -> None:
    # The rooms are named now (the change is flushed), the sockets move after commit.
    data = {"user_id": user.id, "rooms": sorted(connect_rooms(user))}
    on_commit(lambda: _everywhere(_REROOM, data, _reroom_here))


def connect_rooms(user) -> set[str]:
    """The rooms a socket of the user joins on connect (besides its user and session
    rooms), as their memberships and roles are now."""
    return {room for rooms_for in list(_connect_rooms) for room in rooms_for(user)}


# --- connection ----------------------------------------------------------------------------


TokenAuthenticator = Callable[[str], Any]
_token_authenticator: TokenAuthenticator | None = None


def set_token_authenticator(authenticate: TokenAuthenticator) -> None:
    """Let ``authenticate(token) -> user or None`` resolve the API token a socket sends
    (profiles sets it at start-up; the transport knows no accounts)."""
    global _token_authenticator
    _token_authenticator = authenticate


def token_user(token: str):
    """The user of an API token, or None (also when no authenticator is set)."""
    return _token_authenticator(token) if _token_authenticator is not None else None


def _authenticate_socket(auth: Any):
    """The user of a socket: an API token in `auth`, or the session cookie's user."""
    if isinstance(auth, dict) and auth.get("token"):
        return token_user(str(auth["token"])), None
    if current_user.is_authenticated:
        return current_user._get_current_object(), session.get("login_session")
    return None, None


ConnectRooms = Callable[[Any], Iterable[str]]
_connect_rooms: list[ConnectRooms] = []
# Sockets authenticated by an API token (sid → token), re-checked on every event; cookie
# sockets are re-checked through their login session. Sockets live in one process.
_socket_tokens: dict[str, str] = {}
_socket_users: dict[str, int] = {}
# The rooms each socket joined through add_connect_rooms (sid → rooms), so that a change of
# memberships moves it out of exactly those that no longer fit.
_socket_connect_rooms: dict[str, set[str]] = {}


def add_connect_rooms(rooms_for: ConnectRooms) -> ConnectRooms:
    """Register ``rooms_for(user) -> room names`` that a socket joins when it connects."""
    if rooms_for not in _connect_rooms:
        _connect_rooms.append(rooms_for)
    return rooms_for


def register_handlers(app: Flask | None = None) -> None:
    if app is not None:
        presence.configure(app.config["REDIS_URL"], app.config["REDIS_TIMEOUT_SECONDS"])
        presence.ttl = app.config["PRESENCE_TTL_SECONDS"]
    else:
        presence.configure(None)

    @socketio.on("connect")
    def _connect(auth: Any = None) -> bool:
        try:
            return _accept(auth)
        except unavailable.UNAVAILABLE as error:
            # Refused at once with the reason, instead of a handshake that hangs.
            raise ConnectionRefusedError(unavailable.socket_answer(error)) from error

    def _accept(auth: Any) -> bool:
        user, session_key = _authenticate_socket(auth)
        if user is None:
            return False
        join_room(user_room(user.id))
        if session_key:
            join_room(session_room(session_key))
        else:
            _socket_tokens[request.sid] = str(auth["token"])
        _socket_users[request.sid] = user.id
        shared = [room for rooms_for in list(_connect_rooms) for room in rooms_for(user)]
        for room in shared:
            join_room(room)
        _socket_connect_rooms[request.sid] = set(shared)
        if presence.connected(user.id):
            _announce_presence(user.id, True, shared)
        return True

    @socketio.on("disconnect")
    def _disconnect(*_args: Any) -> None:
        _socket_tokens.pop(request.sid, None)
        _socket_connect_rooms.pop(request.sid, None)
        user_id = _socket_users.pop(request.sid, None)
        if user_id is not None and presence.disconnected(user_id):
            _announce_presence(user_id, False, rooms())


def _announce_presence(user_id: int, online: bool, socket_rooms: Iterable[str]) -> None:
    # Everyone who shares a room with the user hears of it; nobody else.
    private = (request.sid, user_room(user_id))
    for room in socket_rooms:
        if room not in private and not room.startswith(("session:", "listings:", "capacity:")):
            emit_now("presence", {"user_id": user_id, "online": online}, room=room)


def require_socket_user():
    """For socket event handlers: the user, or disconnect when the session has ended
    (cookie sockets) or the token was revoked (token sockets). Both are read through the
    identity cache, as for HTTP requests: checked against the database only after
    something about users, tokens or sessions was committed."""
    token = _socket_tokens.get(request.sid)
    if token is not None:
        user = token_user(token)
        if user is not None:
            return user
    elif current_user.is_authenticated:  # the loader checked the login session
        return current_user._get_current_object()
    disconnect(request.sid)
    return None
