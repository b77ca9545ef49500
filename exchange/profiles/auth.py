"""Authentication wiring: Flask-Login loaders, API tokens, CSRF for cookie sessions."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf

from exchange.errors import Unauthorized
from exchange.extensions import csrf, db, login_manager
from exchange.profiles import services
from exchange.profiles.models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Anonymous JSON calls that start a session; a cross-site form cannot send JSON.
CSRF_EXEMPT_ENDPOINTS = {"auth.login", "auth.register"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if bearer_token() is not None:
        return None  # a request with a token is judged by the token alone
    user = db.session.get(User, int(user_id))
    if user is None or user.disabled:
        return None
    if not services.login_session_valid(user.id, session.get("login_session")):
        return None
    return user


@login_manager.request_loader
def _load_user_from_token(req) -> User | None:
    token = bearer_token()
    return services.user_for_token(token) if token else None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        raise Unauthorized()
    return redirect(url_for("profiles_views.login", next=request.full_path.rstrip("?")))


def sign_in(user: User) -> str:
    """Start a cookie session for a checked user; returns the CSRF token for it."""
    login_session = services.start_login_session(user)
    session.clear()
    login_user(user)
    session["login_session"] = login_session.key
    session["locale"] = user.locale
    return generate_csrf()


def sign_out() -> None:
    key = session.get("login_session")
    if key:
        services.end_login_session(key)
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
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
