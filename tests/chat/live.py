"""Live clients of real server processes for the chat's multi-process tests: seed data,
Socket.IO clients that collect what they hear, and waiting for an event."""

from __future__ import annotations

import queue
import time
from contextlib import ExitStack

import socketio
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from exchange.chat.models import Member, Room
from exchange.profiles.models import Membership, Organization, User
from tests import servers

WAIT_SECONDS = 10


def seed(database_url: str) -> dict:
    """A district with Alice, Bob and Carol (API tokens each) and a room of Alice and Bob."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        district = Organization(name="Landkreis Test", kind="district")
        users = {name: User(email=f"{name}@mp.example", name=name.title())
                 for name in ("alice", "bob", "carol")}
        session.add_all([district, *users.values()])
        session.add_all([Membership(user=u, organization=district, role="official",
                                    status="active") for u in users.values()])
        room = Room(kind="group", visibility="private", name="Zwei Prozesse")
        session.add(room)
        session.flush()
        session.add_all([Member(room_id=room.id, user_id=users["alice"].id, role="owner"),
                         Member(room_id=room.id, user_id=users["bob"].id, role="member")])
        tokens = {name: servers.token(session, user) for name, user in users.items()}
        ids = {name: user.id for name, user in users.items()}
        session.commit()
        result = {"room_id": room.id, "tokens": tokens, "ids": ids,
                  "district_id": district.id}
    engine.dispose()
    return result


def client(stack: ExitStack, port: int, token: str) -> queue.Queue:
    """A Socket.IO client of the server on ``port``; what it hears, as (event, data)."""
    return connected(stack, port, token)[1]


def connected(stack: ExitStack, port: int, token: str) -> tuple[socketio.Client, queue.Queue]:
    """A Socket.IO client of the server on ``port`` (to send with) and what it hears, as
    (event, data)."""
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("message", "room", "presence", "resync"):
        client.on(name, lambda data, name=name: received.put((name, data)))
    client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, wait_timeout=10,
                   headers={"Authorization": f"Bearer {token}"})
    stack.callback(client.disconnect)
    return client, received


def next_event(received: queue.Queue, name: str, wait: float = WAIT_SECONDS) -> dict:
    """The next ``name`` event heard within ``wait`` seconds (others are passed over)."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        try:
            event, data = received.get(timeout=left)
        except queue.Empty:
            break
        if event == name:
            return data
    raise AssertionError(f"no {name!r} event within {wait} s")
