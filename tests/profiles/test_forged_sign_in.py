"""Issue 12, point 1: no sign-in without a password, even for someone who knows the key.

Before, the half-signed-in state between password and second factor lived only in the
signed session cookie and named a user id; with the default SECRET_KEY anyone could sign
``{"second_factor_pending": {"user_id": X, "stage": "enroll"}}``, call /auth/2fa/setup and
/auth/2fa/confirm, and was signed in as X with a TOTP secret of their choosing. Now the
cookie holds only the random token of a server-side challenge row, and production refuses
a weak key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pyotp
import pytest
from sqlalchemy import func, select

from exchange import create_app
from exchange.config import (
    DEVELOPMENT_SECRET_KEY,
    DevelopmentConfig,
    InsecureConfiguration,
    ProductionConfig,
    TestingConfig,
    check_secret_key,
)
from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles.models import SecondFactorChallenge, User
from tests.conftest import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _forge(app, client, payload: dict) -> None:
    """Put a session cookie signed with the app's key, as the attacker did."""
    cookie = app.session_interface.get_signing_serializer(app).dumps(payload)
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)


@pytest.mark.parametrize("who", ["caseworker with TOTP", "official", "platform admin"])
def test_a_forged_pending_cookie_neither_signs_in_nor_replaces_the_totp_secret(
    app, client, make_user, who
):
    victim = make_user(admin=True) if who == "platform admin" else make_user(
        role=who.split()[0])
    if who == "caseworker with TOTP":
        victim.totp_secret = pyotp.random_base32(32)
        victim.totp_enabled_at = utcnow()
        db.session.flush()
    secret_before = victim.totp_secret
    _forge(app, client, {"second_factor_pending": {
        "user_id": victim.id, "stage": "enroll", "since": int(time.time())}})
    setup = client.post("/api/v1/auth/2fa/setup")
    assert setup.status_code == 401
    chosen = pyotp.random_base32(32)
    confirm = client.post("/api/v1/auth/2fa/confirm",
                          json={"code": pyotp.TOTP(chosen).now()})
    assert confirm.status_code == 401
    assert client.post("/api/v1/auth/2fa", json={"code": "123456"}).status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    # The same on the pages.
    assert client.get("/2fa/setup").headers["Location"].startswith("/login")
    assert client.get("/login/2fa").headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.get(User, victim.id).totp_secret == secret_before

    # A token-shaped value the server never issued is refused too.
    _forge(app, client, {"second_factor_pending": "guessed-token"})
    assert client.post("/api/v1/auth/2fa/setup").status_code == 401


def test_a_challenge_needs_the_password_and_holds_once_for_its_browser(
    app, client, make_user
):
    user = make_user(role="caseworker")
    count = select(func.count()).select_from(SecondFactorChallenge).where(
        SecondFactorChallenge.user_id == user.id)
    wrong = client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong!"})
    assert wrong.status_code == 401 and db.session.scalar(count) == 0
    answer = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert answer.get_json()["second_factor"] == "enroll" and db.session.scalar(count) == 1
    client.csrf_token = answer.get_json()["csrf_token"]
    # Only a hash is stored: the cookie's token is not in the row.
    cookie = client.get_cookie("session").value
    [token_hash] = db.session.scalars(select(SecondFactorChallenge.token_hash).where(
        SecondFactorChallenge.user_id == user.id))
    assert token_hash not in cookie
    # Another browser without the cookie has nothing to go on.
    assert app.test_client().post("/api/v1/auth/2fa/setup").status_code == 401

    secret = client.post("/api/v1/auth/2fa/setup").get_json()["secret"]
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    done = client.post("/api/v1/auth/2fa/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    # Used up: the cookie as it was before the second factor no longer counts.
    assert replay.post("/api/v1/auth/2fa/setup").status_code == 401
    assert replay.get("/2fa/setup").headers["Location"].startswith("/login")
    assert db.session.scalar(select(SecondFactorChallenge.consumed_at).where(
        SecondFactorChallenge.user_id == user.id)) is not None


def test_who_needs_no_second_factor_never_gets_enroll(client, make_user):
    official = make_user(role="official")
    body = client.post("/api/v1/auth/login", json={"email": official.email,
                                                   "password": PASSWORD}).get_json()
    assert "second_factor" not in body and body["user"]["id"] == official.id
    assert db.session.scalar(select(func.count()).select_from(SecondFactorChallenge).where(
        SecondFactorChallenge.user_id == official.id)) == 0


# --- SECRET_KEY --------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", DEVELOPMENT_SECRET_KEY, "short-but-not-empty"])
def test_production_refuses_to_start_with_a_missing_default_or_short_key(key):
    class Production(ProductionConfig):
        SECRET_KEY = key

    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app(Production)


def test_production_started_without_secret_key_in_the_environment_stops():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(EXCHANGE_ENV="production", PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, "-c", "from exchange import create_app; create_app()"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_long_random_key_passes_and_development_and_tests_keep_their_key():
    check_secret_key({"REQUIRE_SECRET_KEY": True, "SECRET_KEY": os.urandom(32).hex()})
    for config in (DevelopmentConfig, TestingConfig):
        check_secret_key({"REQUIRE_SECRET_KEY": config.REQUIRE_SECRET_KEY,
                          "SECRET_KEY": DEVELOPMENT_SECRET_KEY})
