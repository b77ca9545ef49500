"""Personal API tokens: made once (the raw value is shown once), stored as their sha256,
listed, revoked, and resolved to their user."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from exchange.db import utcnow
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.accounts import WITH_MEMBERSHIPS
from exchange.profiles.models import ApiToken, User

TOKEN_PREFIX = "exc_"


def token_hash(raw: str) -> str:
    """How a token is stored and looked up: its SHA-256, never the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=token_hash(raw))
    db.session.add(token)
    db.session.flush()
    return token, raw


def list_api_tokens(user: User) -> list[ApiToken]:
    """The user's unrevoked tokens (without their values), oldest first."""
    return list(db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ))


def revoke_api_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens; 404 for anyone else's or a revoked one."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound()
    token.revoked_at = utcnow()
    db.session.flush()


def user_for_token(raw: str) -> User | None:
    """The active user owning a valid, unrevoked token.

    Tokens are made by fully signed-in sessions only; a token of someone who must now use
    a second factor but has none set up (a role given later) does not work until they do.
    """
    user = (
        db.session.scalars(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == token_hash(raw),
                ApiToken.revoked_at.is_(None),
                User.disabled.is_(False),
            )
            .options(*WITH_MEMBERSHIPS)
        )
        .unique()
        .first()
    )
    if user is None:
        return None
    if user.totp_enabled_at is None and authz.requires_second_factor(user):
        return None
    return user
