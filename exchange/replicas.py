"""Read scale-out: map searches, clusters and OGC reads from PostgreSQL streaming replicas.

With ``DATABASE_REPLICA_URLS`` set (comma separated), a view marked ``db.read_only`` runs
its queries on a replica (the signed-in user is still read on the primary, so a revoked
token or ended session counts at once). A replica is used only while it is

- **up**: a replica that fails to answer is left alone for ``REPLICA_RETRY_SECONDS`` and
  the request runs again on the primary;
- **close**: its replayed WAL position is at most ``REPLICA_MAX_LAG_BYTES`` behind the
  primary's (both read at most once a second per process);
- **past the reader's own writes**: after a successful write request (POST, PUT, PATCH,
  DELETE) the writer's WAL position is noted (in Redis when set, so every process knows it;
  for ``READ_YOUR_WRITES_SECONDS``), and a replica serves that user only once it has
  replayed that far. So an official who has just created a listing finds it on the map.

Without replicas nothing changes: every query goes to the primary.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from exchange.config import normalise_database_url
from exchange.db import set_read_router
from exchange.extensions import db
from exchange.unavailable import UNAVAILABLE

log = logging.getLogger(__name__)

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
STATUS_SECONDS = 1.0
_WROTE_KEY = "exchange:wrote:"


@dataclass
class Replica:
    engine: Engine
    down_until: float = 0.0
    replayed: int = 0
    checked_at: float = -1e9
    lock: threading.Lock = field(default_factory=threading.Lock)


def _lsn(value: str | None) -> int:
    """A WAL position ('16/B374D848') as a number of bytes."""
    if not value:
        return 0
    high, low = value.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Replicas:
    """The replicas of one app, their health, and who wrote what last."""

    def __init__(self) -> None:
        self.replicas: list[Replica] = []
        self._primary_lsn = 0
        self._primary_checked = -1e9
        self._wrote: dict[int, tuple[int, float]] = {}  # no Redis: this process only
        self._redis: redis.Redis | None = None

    def configure(self, app: Flask) -> None:
        urls = [u.strip() for u in (app.config.get("DATABASE_REPLICA_URLS") or "").split(",")
                if u.strip()]
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        self.replicas = [Replica(create_engine(normalise_database_url(url), **options))
                         for url in urls]
        self._redis = (redis.Redis.from_url(app.config["REDIS_URL"],
                                            socket_timeout=app.config["REDIS_TIMEOUT_SECONDS"],
                                            socket_connect_timeout=app.config[
                                                "REDIS_TIMEOUT_SECONDS"])
                       if urls and app.config.get("REDIS_URL") else None)

    @property
    def enabled(self) -> bool:
        return bool(self.replicas)

    # --- the primary's position and the writers' ------------------------------------------

    def _primary(self) -> int:
        now = time.monotonic()
        if now - self._primary_checked > STATUS_SECONDS:
            with db.engine.connect() as connection:
                self._primary_lsn = _lsn(connection.execute(
                    text("SELECT pg_current_wal_lsn()::text")).scalar())
            self._primary_checked = now
        return self._primary_lsn

    def note_write(self, user_id: int) -> None:
        """After a committed write: the user reads from a replica only once it is here."""
        position = _lsn(db.session.execute(text("SELECT pg_current_wal_insert_lsn()::text"))
                        .scalar())
        keep = current_app.config["READ_YOUR_WRITES_SECONDS"]
        if self._redis is not None:
            try:
                self._redis.set(f"{_WROTE_KEY}{user_id}", position, ex=int(keep))
                return
            except redis.RedisError as error:
                log.warning("could not note a write in Redis: %s", error)
        self._wrote[user_id] = (position, time.monotonic() + keep)

    def _written_by(self, user_id: int) -> int | None:
        if self._redis is not None:
            try:
                value = self._redis.get(f"{_WROTE_KEY}{user_id}")
                return int(value) if value is not None else None
            except redis.RedisError:
                return 1 << 62  # unknown: only the primary is sure to have it
        noted = self._wrote.get(user_id)
        return noted[0] if noted and noted[1] > time.monotonic() else None

    # --- choosing -----------------------------------------------------------------------

    def _replayed(self, replica: Replica, fresh: bool = False) -> int:
        now = time.monotonic()
        if fresh or now - replica.checked_at > STATUS_SECONDS:
            with replica.engine.connect() as connection:
                replica.replayed = _lsn(connection.execute(
                    text("SELECT pg_last_wal_replay_lsn()::text")).scalar())
            replica.checked_at = now
        return replica.replayed

    def mark_down(self, replica: Replica) -> None:
        replica.down_until = time.monotonic() + current_app.config["REPLICA_RETRY_SECONDS"]
        log.warning("replica %s is down or failing: reads go to the primary",
                    replica.engine.url.render_as_string(hide_password=True))

    def choose(self, user_id: int | None) -> Replica | None:
        """A replica fit to serve this user now, or None (the primary)."""
        if not self.replicas:
            return None
        needed = self._written_by(user_id) if user_id is not None else None
        max_lag = current_app.config["REPLICA_MAX_LAG_BYTES"]
        for replica in random.sample(self.replicas, len(self.replicas)):
            if replica.down_until > time.monotonic():
                continue
            try:
                replayed = self._replayed(replica)
                if needed is not None and replayed < needed:
                    replayed = self._replayed(replica, fresh=True)
                if needed is not None and replayed < needed:
                    continue
                if self._primary() - replayed > max_lag:
                    continue
            except Exception as error:  # unreachable, or not answering
                log.debug("replica check failed: %s", error)
                self.mark_down(replica)
                continue
            return replica
        return None


replicas = Replicas()


def init_app(app: Flask) -> None:
    replicas.configure(app)
    set_read_router(_route if replicas.enabled else None)


def _route(session: Session, run: Callable[[], Any]) -> Any:
    """Run a read-only view on a fit replica (the user read on the primary first); on a
    replica that fails, once more on the primary."""
    user_id = current_user.id if current_user.is_authenticated else None
    replica = replicas.choose(user_id)
    if replica is None:
        return run()
    session.info["read_engine"] = replica.engine
    try:
        return run()
    except UNAVAILABLE:
        replicas.mark_down(replica)
        session.rollback()
        session.info.pop("read_engine", None)
        return run()
    finally:
        session.info.pop("read_engine", None)


def after_commit_of_request(status_code: int) -> None:
    """Called once a request's work is committed: note a signed-in writer's position."""
    if (replicas.enabled and status_code < 400 and request.method in WRITE_METHODS
            and current_user.is_authenticated):
        try:
            replicas.note_write(current_user.id)
        except Exception:  # the write stands; the writer may read from the primary
            log.exception("could not note the writer's WAL position")
