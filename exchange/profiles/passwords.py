"""Passwords: argon2id hashes, their check, and the rules a new password follows."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from exchange.errors import InvalidInput
from exchange.profiles.models import User


def _hasher() -> PasswordHasher:
    if current_app.config.get("ARGON2_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Whether the password is the user's (False for an account without one)."""
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Verify against a dummy hash, so that an unknown e-mail takes as long as a known one."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-password")
    with contextlib.suppress(VerificationError):
        _hasher().verify(_DUMMY_HASH, password)


def validate_password(password: str) -> None:
    """A new password has at least 10 characters (422 otherwise)."""
    if len(password) < 10:
        raise InvalidInput({"password": "Use at least 10 characters."})
