"""Authentication wiring: Flask-Login loaders, API tokens, CSRF for cookie sessions, and
the half-signed-in state between a correct password and the second factor."""

from __future__ import annotations

import time

from flask import Flask, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf

from exchange.errors import Unauthorized
from exchange.extensions import csrf, db, login_manager
from exchange.profiles import identity_cache, services
from exchange.profiles.models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Anonymous JSON calls that start a session; a cross-site form cannot send JSON.
CSRF_EXEMPT_ENDPOINTS = {"auth.login", "auth.register", "auth.accept_invitation"}
#: Cookie-session key of a half-signed-in session: the password was right, the second
#: factor is still due. Such a session may call only the /auth/2fa endpoints.
PENDING_KEY = "second_factor_pending"
#: How long a half-signed-in session waits for its code.
PENDING_SECONDS = 600


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
    user = db.session.get(User, user_id, options=services.WITH_MEMBERSHIPS)
    if user is None or user.disabled:
        return None
    if not services.login_session_valid(user.id, key):
        return None
    return user


@login_manager.request_loader
def _load_user_from_token(req) -> User | None:
    token = bearer_token()
    return token_user(token) if token else None


def token_user(token: str) -> User | None:
    """The user of an API token (requests and sockets alike), through the identity cache."""
    return identity_cache.cache().user(
        ("token", services.token_hash(token)), lambda: services.user_for_token(token)
    )


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthorized()
    return redirect(url_for("profiles_views.login", next=request.full_path.rstrip("?")))


def sign_in(user: User, second_factor: bool = False) -> str:
    """Start a cookie session for a checked user; returns the CSRF token for it."""
    login_session = services.start_login_session(user, second_factor=second_factor)
    session.clear()
    login_user(user)
    session["login_session"] = login_session.key
    session["locale"] = user.locale
    return generate_csrf()


def after_password(user: User) -> dict:
    """After a correct password: sign in, or, when a second factor is due, keep the session
    half-signed-in. Returns the login answer (``second_factor`` when one is due)."""
    stage = services.second_factor_stage(user)
    if stage is None:
        return {"user": user, "csrf_token": sign_in(user)}
    session.clear()
    logout_user()
    session[PENDING_KEY] = {"user_id": user.id, "stage": stage, "since": int(time.time())}
    session["locale"] = user.locale
    return {"second_factor": stage, "csrf_token": generate_csrf()}


def pending_user() -> tuple[User, str] | None:
    """The user of a half-signed-in session and the step due ("enroll" or "required")."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or user.disabled:
        return None
    return user, services.second_factor_stage(user) or "enroll"


def finish_second_factor(user: User) -> str:
    """The half-signed-in session passed its second factor: signed in now."""
    return sign_in(user, second_factor=True)


def sign_out() -> None:
    key = session.get("login_session")
    if key:
        services.end_login_session(key)
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    identity_cache.init_app(app)
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
