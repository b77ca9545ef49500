"""The second factor: TOTP (RFC 6238) set up, confirmed and checked, each code accepted
once, and the one-time recovery codes that stand in for it."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from exchange.db import utcnow
from exchange.errors import Conflict, InvalidInput, Unauthorized
from exchange.extensions import db
from exchange.profiles import authz, throttle
from exchange.profiles.models import RecoveryCode, User

TOTP_PERIOD = 30

#: Codes of the step before and after the current one are accepted too (clock drift).
TOTP_WINDOW = 1

RECOVERY_CODE_COUNT = 10

_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def must_use_second_factor(user: User) -> bool:
    """Whoever set up TOTP uses it from then on; staff who see persons or administer must."""
    return user.totp_enabled_at is not None or authz.requires_second_factor(user)


def second_factor_stage(user: User) -> str | None:
    """After a correct password: None (signed in), "required" (enter a code) or "enroll"
    (set up TOTP first)."""
    if user.totp_enabled_at is not None:
        return "required"
    if authz.requires_second_factor(user):
        return "enroll"
    return None


def totp_uri(user: User) -> str:
    """The otpauth:// URI of the user's (pending) secret, for authenticator apps."""
    issuer = current_app.config.get("TOTP_ISSUER") or "Exchange"
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def begin_totp_setup(user: User) -> str:
    """A new TOTP secret for the user, not in force until confirmed with a code; returns it.

    A user who has TOTP in force already gets 409 (the secret is never shown again)."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is set up already.")
    user.totp_secret = pyotp.random_base32(32)
    db.session.flush()
    return user.totp_secret


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is, within the window, or None."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now if now is not None else time.time()) // TOTP_PERIOD
    matched = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def _claim_totp_step(user: User, step: int) -> bool:
    """Record the step as used unless it (or a later one) was used already; the database
    decides between two requests with one code."""
    claimed = db.session.scalar(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session="fetch")
    )
    return claimed is not None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    db.session.flush()
    return codes


def confirm_totp(user: User, code: str, address: str) -> list[str]:
    """Put the pending secret in force with a first code; returns the recovery codes (shown
    once, stored hashed). A wrong code is 422 and counts as a failed login."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is set up already.")
    if not user.totp_secret:
        raise Conflict("Start the setup first (POST /auth/2fa/setup).")
    limits = throttle.second_factor_limits(user.id, user.email, address)
    throttle.admit(limits)
    step = _totp_step(user.totp_secret, _normalise_code(code))
    if step is None or not _claim_totp_step(user, step):
        raise InvalidInput({"code": "This code is not valid. Check the time on your device."})
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    throttle.succeeded(limits)
    return codes


def verify_second_factor(user: User, code: str, address: str) -> str:
    """Check a TOTP code (not one used before) or an unused recovery code (then used up);
    returns "totp" or "recovery". Wrong: 401, counted like a wrong password."""
    limits = throttle.second_factor_limits(user.id, user.email, address)
    throttle.admit(limits)
    normalised = _normalise_code(code)
    if user.totp_enabled_at is not None and user.totp_secret:
        step = _totp_step(user.totp_secret, normalised)
        if step is not None and _claim_totp_step(user, step):
            throttle.succeeded(limits)
            return "totp"
        if step is None and normalised:
            used = db.session.scalar(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _recovery_hash(normalised),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
                .returning(RecoveryCode.id)
            )
            if used is not None:
                throttle.succeeded(limits)
                return "recovery"
    raise Unauthorized("The code is wrong or was used already.")


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
