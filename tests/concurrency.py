"""Races that commit for real: two requests at the same moment, each in its own thread,
session and connection, and the clean-up of what such a test committed (it cannot run in
the rolled-back transaction of the other tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import text

from exchange.errors import Conflict
from exchange.extensions import db
from exchange.profiles.models import User

Statements = Iterable[tuple[str, dict]]


def at_once(app: Flask, user_id: int, act: Callable[[User, int], object],
            ids: Iterable[int]) -> list[str]:
    """Run ``act(user, id)`` for two ids at once (a barrier lines the threads up), each
    committing on its own; answers the sorted outcomes, "accepted" or "409"."""
    barrier = threading.Barrier(2)

    def attempt(object_id: int) -> str:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                act(user, object_id)
                db.session.commit()
                return "accepted"
            except Conflict:
                db.session.rollback()
                return "409"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        return sorted(pool.map(attempt, ids))


def delete_made(app: Flask, first: Statements, rooms: list[int], then: Statements,
                users: list[int], organizations: list[int]) -> None:
    """Remove what a racing test committed: its own rows that point at chat rooms
    (``first``), those rooms, the users' notifications, its other rows (``then``), and
    last the memberships, users and organisations."""
    with app.app_context():
        for statement, params in (
            *first,
            ("DELETE FROM chat_messages WHERE room_id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM chat_members WHERE room_id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM chat_rooms WHERE id = ANY(:ids)", {"ids": rooms}),
            ("DELETE FROM notifications WHERE user_id = ANY(:ids)", {"ids": users}),
            *then,
            ("DELETE FROM memberships WHERE user_id = ANY(:ids)", {"ids": users}),
            ("DELETE FROM users WHERE id = ANY(:ids)", {"ids": users}),
            ("DELETE FROM organizations WHERE id = ANY(:ids)", {"ids": organizations}),
        ):
            db.session.execute(text(statement), params)
        db.session.commit()
