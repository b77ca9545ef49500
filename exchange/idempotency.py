"""`Idempotency-Key`: a write sent again gets the first answer back instead of a second write.

A client that did not hear the answer to a POST/PUT/PATCH/DELETE (a cut connection, a 503
during a restart, a phone that lost the network) cannot know whether it was stored. With
an ``Idempotency-Key`` header (any 1–200 visible ASCII characters the client makes up per
intended write, e.g. a UUID) it sends the same request again: the first successful answer
was stored with the write, in the same transaction, and is replayed (with
``Idempotent-Replayed: true``), so nothing is written twice. Keys are per user, kept for
``TTL``; the same key with another method, path or body is refused (422 naming the header).
Concurrent requests with one key are put in a row by a transaction-level advisory lock:
the second waits for the first's commit and replays its answer.

Only successful answers (< 400) are stored: a failed write wrote nothing and may simply be
tried again. Every stored answer removes up to 100 expired ones. Requests of anonymous
visitors are not keyed (nobody to keep them for).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, request
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, created_at_column
from exchange.errors import InvalidInput
from exchange.extensions import db

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_VALID = re.compile(r"^[\x21-\x7e]{1,200}$")


class IdempotencyKey(Base):
    """The first successful answer to a keyed write, kept for TTL."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Keyed:
    """The keyed write being answered."""

    user_id: int
    key: str
    request_sha256: str


def requested() -> Keyed | None:
    """The key of this request, when it is a signed-in user's write that carries one;
    an unusable key is a 422 naming the header."""
    raw = request.headers.get(HEADER)
    if raw is None or request.method not in WRITE_METHODS:
        return None
    if not current_user.is_authenticated:
        return None
    if not _VALID.match(raw):
        raise InvalidInput({HEADER: "Use 1 to 200 visible ASCII characters, e.g. a UUID."})
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return Keyed(current_user.id, raw, digest.hexdigest())


def replay(keyed: Keyed) -> Response | None:
    """The stored answer for this key, or None when the write is to be done. Holds the
    key's advisory lock until the transaction ends, so a concurrent twin waits here."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                       {"k": f"idempotency:{keyed.user_id}:{keyed.key}"})
    stored = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == keyed.user_id,
                                     IdempotencyKey.key == keyed.key,
                                     IdempotencyKey.expires_at > func.now())
    ).scalar_one_or_none()
    if stored is None:
        return None
    if stored.request_sha256 != keyed.request_sha256:
        raise InvalidInput({HEADER: "This key was used for another request."})
    response = Response(stored.body, status=stored.status_code,
                        content_type=stored.content_type)
    if stored.location:
        response.headers["Location"] = stored.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(keyed: Keyed, response: Response) -> None:
    """Store a successful answer with the write (same transaction)."""
    if response.status_code >= 400 or response.is_streamed:
        return
    db.session.execute(
        IdempotencyKey.__table__.delete().where(
            IdempotencyKey.user_id == keyed.user_id, IdempotencyKey.key == keyed.key))
    # Expired answers go as new ones come (a few at a time, never waiting on another
    # writer's rows): nothing is kept much past TTL.
    db.session.execute(text(
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
        " WHERE expires_at < now() LIMIT 100 FOR UPDATE SKIP LOCKED)"))
    db.session.add(IdempotencyKey(
        user_id=keyed.user_id, key=keyed.key, method=request.method,
        path=request.path[:500], request_sha256=keyed.request_sha256,
        status_code=response.status_code, content_type=response.content_type,
        location=response.headers.get("Location"), body=response.get_data(),
        expires_at=func.now() + TTL,
    ))
    db.session.flush()
