"""Declarative base with a naming convention, shared column helpers, and ``on_commit``.

``on_commit(fn)`` is the one way to do something only once the current transaction has
committed (Zulip's ``send_event_on_commit``, Django's ``transaction.on_commit``): socket
events (realtime.py), e-mails (mail.py) and the identity cache's generation all use it, so
nobody is ever told of a change that was rolled back. A rollback of the whole transaction
drops what was queued; a rolled-back savepoint inside a still open transaction keeps it.

Requests commit at one place: ``exchange.transaction.commit_response`` runs after every
view (Indico's request handler, Zulip's actions): services flush, nobody else commits.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession
from geoalchemy2 import Geography
from sqlalchemy import ColumnElement, DateTime, Engine, MetaData, cast, event, func, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

# Ids are PostgreSQL `integer`s; a larger number names nothing (and must not reach SQL).
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Session.info key: the callables queued on the open transaction.
_ON_COMMIT = "exchange_on_commit"


def on_commit(fn: Callable[[], None], session: Session | None = None) -> None:
    """Run ``fn()`` once the current transaction of ``session`` (default: the app's
    scoped session) has committed; never if it is rolled back. Queued callables run in
    the order they were queued; one that fails is logged and does not stop the others."""
    if session is None:
        session = current_app.extensions["sqlalchemy"].session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops it
    session.info.setdefault(_ON_COMMIT, []).append(fn)


def take_on_commit(session: Session) -> Callable[[], None] | None:
    """Take what was queued with ``on_commit`` out of ``session``, as one callable that
    runs it in order (None when nothing was queued): the caller commits and runs it when
    it chooses. A socket event answers its sender first and broadcasts after
    (exchange.transaction.socket_unit_of_work); should its commit fail, the caller drops
    the work, as a rollback does."""
    queued = session.info.pop(_ON_COMMIT, [])
    return (lambda: _run_all(queued)) if queued else None


@contextmanager
def planner_without(*methods: str) -> Iterator[None]:
    """Within: this transaction's planner does without the named join methods
    ("nestloop", "hashjoin", "mergejoin"), for statements whose row estimates are known to
    mislead it; on again after. After an error inside, the rollback (of the transaction or
    its savepoint) undoes the transaction-local setting."""
    session = current_app.extensions["sqlalchemy"].session()
    _enable(session, methods, "off")
    yield
    _enable(session, methods, "on")


def _enable(session: Session, methods: tuple[str, ...], value: str) -> None:
    session.execute(
        text("SELECT " + ", ".join(f"set_config('enable_{m}', :value, true)" for m in methods)),
        {"value": value})


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    _run_all(session.info.pop(_ON_COMMIT, []))


def _run_all(queued: list[Callable[[], None]]) -> None:
    for fn in queued:
        try:
            fn()
        except Exception:  # what is committed stays committed; tell the log
            log.exception("after-commit work %r failed", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, _previous_transaction: Any) -> None:
    # Fires on every rollback() call, even one with no SQL since the last commit; a
    # rolled-back savepoint inside a still open transaction keeps the outer queue.
    if not session.in_transaction():
        session.info.pop(_ON_COMMIT, None)


def with_timeouts(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with PostgreSQL's connect, statement and lock timeouts and
    the client check interval added to every connection (see config.py; 0: none), and the
    pool's size."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    settings = [connect_args.get("options", ""),
                f"-c statement_timeout={int(config['DATABASE_STATEMENT_TIMEOUT_MS'])}",
                f"-c lock_timeout={int(config['DATABASE_LOCK_TIMEOUT_MS'])}",
                f"-c client_connection_check_interval={int(config['DATABASE_CHECK_INTERVAL_MS'])}"]
    connect_args["options"] = " ".join(part for part in settings if part)
    connect_args.setdefault("connect_timeout", int(config["DATABASE_CONNECT_TIMEOUT_SECONDS"]))
    options["connect_args"] = connect_args
    options.setdefault("pool_size", int(config.get("DATABASE_POOL_SIZE", 10)))
    options.setdefault("max_overflow", int(config.get("DATABASE_MAX_OVERFLOW", 20)))
    return options


def set_statement_timeout(milliseconds: int) -> None:
    """Give the current transaction its own statement timeout (e.g. an import's)."""
    session = current_app.extensions["sqlalchemy"].session()
    session.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                    {"ms": str(int(milliseconds))})


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a ping when it comes out of the pool after more than
    ``idle_seconds`` unused; a dead one is replaced (the pool retries with a new one), so a
    restarted database costs no request an error. Connections in steady use skip the
    round trip that ``pool_pre_ping`` would add to every request."""

    @event.listens_for(engine, "checkin")
    def _idle_from_now(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("connection found dead after idling") from exc


def read_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """For endpoints that only read (the map's search and clusters, OGC items): their
    statements run without a transaction (autocommit), which saves the BEGIN and ROLLBACK
    round trips of every request. What they read is the same: at READ COMMITTED each
    statement takes its own snapshot either way. Place it above ``login_required`` so that
    the sign-in check runs so too. With replicas configured, the read router sends their
    queries to a fit replica instead (exchange/replicas.py). Sessions bound to one
    connection (the tests' outer transaction) are left as they are."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = current_app.extensions["sqlalchemy"].session()
        if not isinstance(session.get_bind(), Engine):
            return view(*args, **kwargs)
        if _read_router is not None:
            return _read_router(session, lambda: view(*args, **kwargs))
        if not session.in_transaction():
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    wrapper.read_only = True  # type: ignore[attr-defined]
    return wrapper


ReadRouter = Callable[[Session, Callable[[], Any]], Any]
_read_router: ReadRouter | None = None


def set_read_router(router: ReadRouter | None) -> None:
    """Let ``router(session, run)`` choose where a read-only view's queries go (the
    replicas set it when configured: exchange/replicas.py); ``run()`` runs the view."""
    global _read_router
    _read_router = router


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session that a read-only view may point at a replica for one
    request (``info["read_engine"]``); everything else goes where it always does."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None,
                 **kwargs: Any) -> Any:
        engine = self.info.get("read_engine")
        if engine is not None and bind is None:
            return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    """A timestamptz set by the database when the row is inserted."""
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def check_in_enum(column: str, values: type[enum.StrEnum]) -> str:
    """The SQL condition of a CHECK constraint: the column holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def point_column(nullable: bool = True) -> Mapped[object]:
    """A WGS84 point stored as geography, so distances come out in metres."""
    return mapped_column(
        Geography(geometry_type="POINT", srid=4326, spatial_index=False), nullable=nullable
    )


def point_wkt(lat: float, lon: float) -> str:
    """EWKT for a point; PostGIS takes longitude first."""
    return f"SRID=4326;POINT({lon} {lat})"


def geography_point(lat: float | Any, lon: float | Any) -> ColumnElement:
    """A WGS84 point as SQL geography (values or bind parameters), for distances in metres."""
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


def escape_like(text: str) -> str:
    """``text`` for a LIKE/ILIKE pattern that matches it literally (backslash escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: a number beyond MAX_ID matches no route (404), where it would
    otherwise fail in the database as "integer out of range" (500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
