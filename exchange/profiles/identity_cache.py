"""The signed-in user of a request, remembered per credential between requests.

Every request names its user by an API token or a cookie login session, and reading that
user with memberships and organisations (what every permission check needs) was a
statement of its own on every request, often costing more than the request's real work.

This cache keeps, per credential, a detached copy of the user as it was read, and hands the
request a copy merged into its session without SQL. An entry holds only while

* the *auth generation* it was read under is still current: the generation moves after
  every commit that wrote to users, memberships, organisations, API tokens or login
  sessions (found from the session's flushes and statements, so no service has to
  remember it). A revoked token, a disabled user, an ended session or a changed role
  therefore count from the very next request, on every process;
* and for at most ``AUTH_CACHE_SECONDS`` (default 60; 0 turns the cache off), so that a
  change made outside the application (psql) counts within that time.

With REDIS_URL the generation lives in Redis, read once per request (one GET of two keys),
so all processes see it move at once; without, in this process, which is then the only one.
If Redis cannot be reached, nothing is cached and every request reads its user again: an
unreachable Redis never lets a stale credential through.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import TextClause

from exchange.db import on_commit
from exchange.extensions import db
from exchange.profiles.models import ApiToken, LoginSession, Membership, Organization, User

_AUTH_MODELS = (User, Membership, Organization, ApiToken, LoginSession)
#: The tables whose rows decide who a credential belongs to and what that user may do.
AUTH_TABLES = frozenset(model.__tablename__ for model in _AUTH_MODELS)
_TEXT_DML = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(" + "|".join(sorted(AUTH_TABLES)) + r")\b",
    re.IGNORECASE,
)
#: Session.info key: the transaction that wrote to an auth table.
_CHANGED = "exchange_auth_changed"
_EXTENSION = "exchange_identity_cache"
_MAX_ENTRIES = 10_000


class Generation:
    """The auth generation of this process only (no Redis: a single process)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def current(self) -> Any:
        return self._value

    def bump(self) -> bool:
        with self._lock:
            self._value += 1
        return True


class RedisGeneration(Generation):
    """The auth generation shared by all processes: a counter in Redis with a random epoch
    beside it, so that a Redis restart (which forgets the counter) can never bring an old
    generation back. ``current()`` is None when Redis cannot be reached: no caching."""

    def __init__(self, url: str) -> None:  # no local counter: Redis holds it
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._keys = ("exchange:auth-epoch", "exchange:auth-generation")

    def current(self) -> Any:
        try:
            epoch, counter = self._redis.mget(self._keys)
            if epoch is None:
                self._redis.set(self._keys[0], secrets.token_hex(8), nx=True)
                epoch, counter = self._redis.mget(self._keys)
        except redis.RedisError:
            return None
        return (epoch, counter)

    def bump(self) -> bool:
        try:
            self._redis.incr(self._keys[1])
        except redis.RedisError:
            return False
        return True


@dataclass(frozen=True)
class _Entry:
    generation: Any
    expires: float
    user: User  # detached; never handed out itself, only merged copies of it


class IdentityCache:
    """Credential → detached user, valid for one auth generation and a bounded time."""

    def __init__(self, generation: Generation, seconds: float) -> None:
        self.generation = generation
        self.seconds = seconds
        self._entries: dict[tuple, _Entry] = {}

    def user(self, key: tuple, load: Callable[[], User | None]) -> User | None:
        """The user of the credential ``key``: from the cache, or ``load()`` (which reads it
        into the request's session) and remembered. The generation is read before loading,
        so an entry is never newer-labelled than what it holds."""
        if self.seconds <= 0:
            return load()
        generation = self.generation.current()
        entry = self._entries.get(key)
        now = time.monotonic()
        if (
            entry is not None
            and generation is not None
            and entry.generation == generation
            and entry.expires > now
        ):
            return db.session.merge(entry.user, load=False)
        user = load()
        if user is None or generation is None:
            self._entries.pop(key, None)
            return user
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = _Entry(generation, now + self.seconds, _detached_copy(user))
        return user

    def changed(self) -> None:
        """Something an entry may hold was committed: move the generation. If Redis
        cannot be told, forget this process's entries at least (entries are used only
        while Redis answers, and it may answer again with the same epoch)."""
        if not self.generation.bump():
            self.clear()

    def clear(self) -> None:
        self._entries.clear()


def _detached_copy(user: User) -> User:
    """A copy of a freshly loaded user with what is loaded of it (memberships and their
    organisations), belonging to no session."""
    scratch = Session()
    copy = scratch.merge(user, load=False)
    scratch.expunge_all()
    return copy


def cache() -> IdentityCache:
    return current_app.extensions[_EXTENSION]


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    generation = RedisGeneration(url) if url else Generation()
    app.extensions[_EXTENSION] = IdentityCache(
        generation, float(app.config.get("AUTH_CACHE_SECONDS", 60))
    )


# --- moving the generation ---------------------------------------------------------------


def _note_change(session: Session) -> None:
    """Move the generation once this transaction commits (once, however much it wrote)."""
    if not session.in_transaction():
        session.begin()
    transaction = session.get_transaction()
    if session.info.get(_CHANGED) is transaction:
        return
    session.info[_CHANGED] = transaction

    def bump() -> None:
        session.info.pop(_CHANGED, None)
        if has_app_context() and _EXTENSION in current_app.extensions:
            cache().changed()

    on_commit(bump, session)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    # Still the pre-flush lists here: what was just written.
    if any(
        isinstance(obj, _AUTH_MODELS)
        for obj in chain(session.new, session.dirty, session.deleted)
    ):
        _note_change(session)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) in AUTH_TABLES:
            _note_change(state.session)
    elif isinstance(statement, TextClause) and _TEXT_DML.search(statement.text):
        _note_change(state.session)
