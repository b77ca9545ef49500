"""Signed-in browser sessions: started, checked on every request, marked when they pass
the second factor, and ended (logout, a disabled account, a role that now needs a second
factor). Whoever's session ends loses its open sockets after commit (signals)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from exchange import signals
from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles.models import ApiToken, LoginSession, User
from exchange.profiles.second_factor import must_use_second_factor


def start_login_session(user: User, second_factor: bool = False) -> LoginSession:
    """Record a new signed-in session; its key goes into the session cookie."""
    login_session = LoginSession(
        user_id=user.id,
        key=secrets.token_urlsafe(32),
        second_factor_at=utcnow() if second_factor else None,
    )
    db.session.add(login_session)
    db.session.flush()
    return login_session


def login_session_valid(user_id: int, key: str | None) -> bool:
    """Whether the session is open and signed in: for a user who must use a second factor
    (now: roles change), only a session that passed it counts."""
    if not key:
        return False
    row = db.session.execute(
        select(LoginSession.id, LoginSession.second_factor_at).where(
            LoginSession.key == key,
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
        )
    ).first()
    if row is None:
        return False
    if row.second_factor_at is None:
        user = db.session.get(User, user_id)
        return user is not None and not must_use_second_factor(user)
    return True


def mark_second_factor(key: str) -> None:
    """The session (already signed in) has just passed the second factor."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.key == key, LoginSession.ended_at.is_(None))
        .values(second_factor_at=utcnow())
    )


def end_login_session(key: str) -> None:
    """End one session (logout); its open sockets are closed after commit."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.key == key, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    signals.session_ended.send(key)


def end_user_access(user: User) -> None:
    """End every session of the user, revoke every token and close their open sockets (after
    commit): used when an account is disabled as a whole."""
    keys = db.session.scalars(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .returning(LoginSession.key)
    ).all()
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    for key in keys:
        signals.session_ended.send(key)
    signals.user_access_changed.send(user.id)


def end_sessions_without_second_factor(user: User) -> None:
    """A role that needs a second factor: the user's sessions that signed in with the
    password alone end (they no longer count as signed in, login_session_valid), and so do
    their sockets; without TOTP set up their tokens stop too (user_for_token), and with
    them their sockets."""
    if not must_use_second_factor(user):
        return
    keys = db.session.scalars(
        update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.second_factor_at.is_(None),
        )
        .values(ended_at=utcnow())
        .returning(LoginSession.key)
    ).all()
    for key in keys:
        signals.session_ended.send(key)
    if user.totp_enabled_at is None:
        signals.user_access_changed.send(user.id)
