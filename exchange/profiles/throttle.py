"""Sign-in throttling: a growing delay per key instead of a lockout.

Every password or second-factor attempt is admitted first, then checked. Admission locks
the throttle rows of its keys (in key order) and counts the attempt before the password is
looked at, so parallel attempts are counted one after another: of twenty sent at once,
exactly the free ones reach the password check. The keys are

* ``email+address:<e-mail>|<address>``: one person's guesses from one place, with
  LOGIN_MAX_FAILURES free attempts. It does not stop the owner signing in from elsewhere:
  a stranger guessing cannot lock anyone out.
* ``address:<address>``: all guesses from one address, with the more generous
  LOGIN_MAX_FAILURES_PER_ADDRESS, since an office's staff share one address.
* ``second-factor:<user id>``: codes for one account from anywhere, LOGIN_MAX_FAILURES
  free (only someone who knew the password gets that far).

Past its free attempts a key admits one attempt per delay, which starts at
LOGIN_DELAY_SECONDS and doubles with every further attempt up to LOGIN_MAX_DELAY_SECONDS;
an attempt that comes too early gets 429 with how long to wait (``Retry-After``). A
success gives its attempt back on every key and forgets the e-mail+address one; a key
without attempts for LOGIN_FAILURE_WINDOW_SECONDS starts again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert

from exchange.db import utcnow
from exchange.errors import Text, TooManyRequests
from exchange.extensions import db
from exchange.profiles.models import LoginThrottle


@dataclass(frozen=True)
class Limit:
    """A throttle key and how many attempts it admits before the delay starts."""

    key: str
    free_attempts: int


def password_limits(email: str, address: str) -> list[Limit]:
    """The keys a password attempt for this e-mail from this address counts against."""
    cfg = current_app.config
    # No address is longer than 254 characters: a longer input (a form) shares the key of
    # its first 254, which keeps the key within its column.
    email, address = email.strip().lower()[:254], address[:64]
    return [
        Limit(f"email+address:{email}|{address}", cfg["LOGIN_MAX_FAILURES"]),
        Limit(f"address:{address}", cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def second_factor_limits(user_id: int, email: str, address: str) -> list[Limit]:
    """The keys a second-factor code counts against: those of the password (a wrong code
    adds to the wrong passwords) and the account's own, from any address."""
    return [
        *password_limits(email, address),
        Limit(f"second-factor:{user_id}", current_app.config["LOGIN_MAX_FAILURES"]),
    ]


def too_many(wait_seconds: float) -> TooManyRequests:
    """429 saying how long to wait, in seconds or (from two minutes on) minutes."""
    seconds = max(2, math.ceil(wait_seconds))  # never "1 seconds"; a second more is harmless
    if seconds < 120:
        message = Text("Too many failed attempts. Try again in %(seconds)s seconds.",
                       seconds=seconds)
    else:
        message = Text("Too many failed attempts. Try again in %(minutes)s minutes.",
                       minutes=math.ceil(seconds / 60))
    return TooManyRequests(message, retry_after=seconds)


def _delay(attempts: int, free_attempts: int) -> timedelta:
    cfg = current_app.config
    doublings = min(attempts - free_attempts, 30)
    return timedelta(seconds=min(cfg["LOGIN_DELAY_SECONDS"] * 2**doublings,
                                 cfg["LOGIN_MAX_DELAY_SECONDS"]))


def _lock(keys: list[str]) -> list[LoginThrottle]:
    """The rows of the keys, made where missing, locked in key order (so that two attempts
    sharing keys never wait for each other crosswise)."""
    db.session.execute(
        insert(LoginThrottle).values([{"key": key} for key in keys]).on_conflict_do_nothing()
    )
    return list(
        db.session.scalars(
            select(LoginThrottle)
            .where(LoginThrottle.key.in_(keys))
            .order_by(LoginThrottle.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _stale(row: LoginThrottle, now: datetime) -> bool:
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return row.last_attempt_at < now - window


def admit(limits: list[Limit]) -> None:
    """Count one attempt on every key, or raise 429 (with the wait) when one of them is
    still in its delay. Committed at once: the attempt counts even if its request fails
    afterwards (a wrong password answers 401 and rolls back)."""
    free = {limit.key: limit.free_attempts for limit in limits}
    now = utcnow()
    rows = _lock(sorted(free))
    wait = 0.0
    for row in rows:
        if _stale(row, now):
            row.attempts, row.next_attempt_at = 0, None
        if (
            row.attempts >= free[row.key]
            and row.next_attempt_at is not None
            and row.next_attempt_at > now
        ):
            wait = max(wait, (row.next_attempt_at - now).total_seconds())
    if wait:
        db.session.rollback()  # nothing counted: the attempt was not made
        raise too_many(wait)
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        if row.attempts >= free[row.key]:
            row.next_attempt_at = now + _delay(row.attempts, free[row.key])
    _purge_some_stale(now)
    db.session.commit()


def _purge_some_stale(now: datetime) -> None:
    """Forget a few keys that have started again anyway (no attempt within the window),
    so the table holds only recent ones; rows another attempt holds are left alone."""
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    stale = (
        select(LoginThrottle.key)
        .where(LoginThrottle.last_attempt_at < now - window)
        .limit(20)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)))


def succeeded(limits: list[Limit], forget: bool = True) -> None:
    """The admitted attempt was right: give it back on every key, and (``forget``) forget
    the e-mail+address and second-factor keys altogether. A correct password of someone
    who still owes the second factor gives its attempt back but forgets nothing: wrong
    codes before it keep counting. Rows are touched in key order, like ``admit`` locks
    them."""
    for limit in sorted(limits, key=lambda limit: limit.key):
        this = LoginThrottle.key == limit.key
        if forget and not limit.key.startswith("address:"):
            db.session.execute(delete(LoginThrottle).where(this))
            continue
        db.session.execute(
            update(LoginThrottle)
            .where(this, LoginThrottle.attempts > 0)
            .values(
                attempts=LoginThrottle.attempts - 1,
                next_attempt_at=case(
                    (LoginThrottle.attempts - 1 < limit.free_attempts, None),
                    else_=LoginThrottle.next_attempt_at,
                ),
            )
        )
