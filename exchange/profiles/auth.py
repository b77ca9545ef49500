"""Authentication wiring: Flask-Login loaders, API tokens, CSRF for cookie sessions, and
the half-signed-in state between a correct password and the second factor."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import delete, or_, select, update

from exchange import realtime
from exchange.db import utcnow
from exchange.errors import Unauthorized
from exchange.extensions import csrf, db, login_manager
from exchange.profiles import accounts, identity_cache, login_sessions, second_factor, tokens
from exchange.profiles.models import SecondFactorChallenge, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Anonymous JSON calls that start a session; a cross-site form cannot send JSON.
CSRF_EXEMPT_ENDPOINTS = {"auth.login", "auth.register", "auth.accept_invitation"}
#: Cookie-session key of a half-signed-in session: the password was right, the second
#: factor is still due. Such a session may call only the /auth/2fa endpoints. It holds
#: only the random token of a SecondFactorChallenge row (whose sha256 is stored): what
#: the cookie says is never trusted on its own, even by someone who can sign cookies.
PENDING_KEY = "second_factor_pending"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if bearer_token() is not None:
        return None  # a request with a token is judged by the token alone
    key = session.get("login_session")
    if not key:
        return None
    return identity_cache.cache().user(
        ("session", int(user_id), key), lambda: _session_user(int(user_id), key)
    )


def _session_user(user_id: int, key: str) -> User | None:
    user = db.session.get(User, user_id, options=accounts.WITH_MEMBERSHIPS)
    if user is None or user.disabled:
        return None
    if not login_sessions.login_session_valid(user.id, key):
        return None
    return user


@login_manager.request_loader
def _load_user_from_token(req) -> User | None:
    token = bearer_token()
    return token_user(token) if token else None


def token_user(token: str) -> User | None:
    """The user of an API token (requests and sockets alike), through the identity cache."""
    return identity_cache.cache().user(
        ("token", tokens.token_hash(token)), lambda: tokens.user_for_token(token)
    )


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthorized()
    return redirect(url_for("profiles_views.login", next=request.full_path.rstrip("?")))


def sign_in(user: User, second_factor: bool = False) -> str:
    """Start a cookie session for a checked user; returns the CSRF token for it."""
    login_session = login_sessions.start_login_session(user, second_factor=second_factor)
    session.clear()
    login_user(user)
    session["login_session"] = login_session.key
    session["locale"] = user.locale
    return generate_csrf()


def after_password(user: User) -> dict:
    """After a correct password: sign in, or, when a second factor is due, keep the session
    half-signed-in. Returns the login answer (``second_factor`` when one is due)."""
    stage = second_factor.second_factor_stage(user)
    if stage is None:
        return {"user": user, "csrf_token": sign_in(user)}
    session.clear()
    logout_user()
    session[PENDING_KEY] = _start_challenge(user, stage)
    session["locale"] = user.locale
    return {"second_factor": stage, "csrf_token": generate_csrf()}


def _start_challenge(user: User, stage: str) -> str:
    """A new challenge row for this browser; returns its token (for the cookie only).
    The user's used and expired challenges go at the same time."""
    now = utcnow()
    db.session.execute(
        delete(SecondFactorChallenge).where(
            SecondFactorChallenge.user_id == user.id,
            or_(SecondFactorChallenge.expires_at <= now,
                SecondFactorChallenge.consumed_at.is_not(None)),
        )
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        SecondFactorChallenge(
            token_hash=tokens.token_hash(raw),
            user_id=user.id,
            stage=stage,
            expires_at=now + timedelta(
                seconds=current_app.config["SECOND_FACTOR_PENDING_SECONDS"]),
        )
    )
    db.session.flush()
    return raw


def _open_challenge(raw: str):
    """The condition of the open, unexpired challenge of a cookie token."""
    return (
        SecondFactorChallenge.token_hash == tokens.token_hash(raw),
        SecondFactorChallenge.consumed_at.is_(None),
        SecondFactorChallenge.expires_at > utcnow(),
    )


def pending_user() -> tuple[User, str] | None:
    """The user of a half-signed-in session and the step due ("enroll" or "required"):
    only through an open challenge row this browser's cookie holds the token of. None
    also when the user needs no second factor (any more): they sign in with the password
    again and are signed in directly."""
    raw = session.get(PENDING_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    user_id = db.session.scalar(select(SecondFactorChallenge.user_id).where(*_open_challenge(raw)))
    if user_id is None:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, user_id)
    if user is None or user.disabled:
        return None
    stage = second_factor.second_factor_stage(user)
    if stage is None:
        return None
    return user, stage


def finish_second_factor(user: User) -> str:
    """The half-signed-in session passed its second factor: its challenge is used up (once:
    a second request with the same cookie gets 401) and the session is signed in."""
    raw = session.get(PENDING_KEY)
    consumed = isinstance(raw, str) and db.session.scalar(
        update(SecondFactorChallenge)
        .where(*_open_challenge(raw), SecondFactorChallenge.user_id == user.id)
        .values(consumed_at=utcnow())
        .returning(SecondFactorChallenge.id)
    )
    if not consumed:
        raise Unauthorized()
    return sign_in(user, second_factor=True)


def sign_out() -> None:
    key = session.get("login_session")
    if key:
        login_sessions.end_login_session(key)
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    """Sign-in for the app (called by create_app): loaders, CSRF, the identity cache, and
    the API tokens that sockets send."""
    identity_cache.init_app(app)
    realtime.set_token_authenticator(token_user)
    login_manager.init_app(app)
    csrf.init_app(app)

    @app.before_request
    def _check_csrf() -> None:
        if request.method in SAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
            return
        if bearer_token() is not None:
            return  # API tokens are not sent by browsers on their own: no CSRF risk
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            # No signed-in session to ride on, so nothing to forge: let the call answer
            # 401 "not logged in" rather than a puzzling 400 about a missing CSRF token.
            return
        csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if request.path.startswith("/api/"):
            return jsonify(code=400, status="Bad Request", message=error.description), 400
        return error.description, 400

    @app.context_processor
    def _inject_user():
        return {"current_user": current_user}
