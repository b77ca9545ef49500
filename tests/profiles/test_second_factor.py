"""Two-factor sign-in (TOTP): who must use it, setup with recovery codes, later logins,
codes not reusable, recovery codes once, the failure limit, the half-signed-in session."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select, update

from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles import second_factor
from exchange.profiles.models import (
    LoginThrottle,
    Membership,
    RecoveryCode,
    SecondFactorChallenge,
    User,
)
from tests.conftest import PASSWORD, fresh_totp_code


def _login(client, user, password: str = PASSWORD):
    response = client.post("/api/v1/auth/login", json={"email": user.email,
                                                       "password": password})
    client.csrf_token = (response.get_json() or {}).get("csrf_token")
    return response


def _enrol(client) -> tuple[str, list[str]]:
    """Set up TOTP in a half-signed-in (or signed-in) session; returns secret and codes."""
    setup = client.post("/api/v1/auth/2fa/setup")
    assert setup.status_code == 200, setup.get_json()
    secret = setup.get_json()["secret"]
    confirm = client.post("/api/v1/auth/2fa/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert confirm.status_code == 200, confirm.get_json()
    client.csrf_token = confirm.get_json()["csrf_token"]
    return secret, confirm.get_json()["recovery_codes"]


def _past_the_password(app, user):
    """A new client signed in with the user's password (half signed in when a code is due)."""
    client = app.test_client()
    _login(client, user)
    return client


def _enrolled(app, user) -> tuple[str, list[str]]:
    """TOTP set up for the user in a session of its own; returns secret and codes."""
    return _enrol(_past_the_password(app, user))


@pytest.mark.parametrize("role", ["official", "landlord"])
def test_officials_and_landlords_sign_in_with_the_password_alone(client, make_user, role):
    user = make_user(role=role)
    body = _login(client, user).get_json()
    assert "second_factor" not in body and body["user"]["id"] == user.id
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("who", ["caseworker", "admin", "platform admin"])
def test_who_sees_persons_or_administers_must_enrol_and_is_not_signed_in_before(
    client, make_user, who
):
    user = make_user(admin=True) if who == "platform admin" else make_user(role=who)
    response = _login(client, user)
    assert response.status_code == 200
    body = response.get_json()
    assert body["second_factor"] == "enroll" and "user" not in body
    # A half-signed-in session reaches nothing but the second-factor calls.
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/tokens", json={"name": "x"}).status_code == 401
    assert client.get("/api/v1/organizations").status_code == 401
    assert client.post("/api/v1/auth/2fa", json={"code": "123456"}).status_code == 401


def test_setup_answers_secret_and_uri_and_confirm_signs_in_with_ten_recovery_codes(
    client, make_user
):
    user = make_user(role="caseworker", email="case@test.example")
    _login(client, user)
    setup = client.post("/api/v1/auth/2fa/setup").get_json()
    assert re.fullmatch(r"[A-Z2-7]{32}", setup["secret"])
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert "case%40test.example" in setup["otpauth_uri"] and "issuer=Exchange" in setup[
        "otpauth_uri"]
    assert client.get("/api/v1/me").status_code == 401  # not before the code

    code = pyotp.TOTP(setup["secret"]).now()
    confirm = client.post("/api/v1/auth/2fa/confirm", json={"code": code})
    assert confirm.status_code == 200
    body = confirm.get_json()
    assert len(body["recovery_codes"]) == 10 and len(set(body["recovery_codes"])) == 10
    assert body["user"]["id"] == user.id and body["csrf_token"]
    client.csrf_token = body["csrf_token"]
    assert client.get("/api/v1/me").status_code == 200
    # Tokens now (fully signed in); recovery codes stored as hashes only.
    assert client.post("/api/v1/auth/tokens", json={"name": "GIS"}).status_code == 201
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(stored) == 10
    plain = {c.replace("-", "") for c in body["recovery_codes"]}
    assert not plain & set(stored) and all(len(h) == 64 for h in stored)


def test_a_wrong_code_at_setup_is_422_and_changes_nothing(client, make_user):
    user = make_user(role="caseworker")
    _login(client, user)
    secret = client.post("/api/v1/auth/2fa/setup").get_json()["secret"]
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = client.post("/api/v1/auth/2fa/confirm", json={"code": wrong})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"code"}
    assert db.session.get(User, user.id).totp_enabled_at is None
    assert client.get("/api/v1/me").status_code == 401


def test_later_logins_need_a_code_which_is_never_accepted_twice(app, make_user):
    user = make_user(role="caseworker")
    secret, _codes = _enrolled(app, user)

    second = app.test_client()
    body = _login(second, user).get_json()
    assert body == {"second_factor": "required", "csrf_token": body["csrf_token"]}
    assert second.get("/api/v1/me").status_code == 401
    # The code of the step that set it up was used: refused, also within its window.
    used_step = db.session.scalar(select(User.totp_last_step).where(User.id == user.id))
    used_code = pyotp.TOTP(secret).generate_otp(used_step)
    assert second.post("/api/v1/auth/2fa", json={"code": used_code}).status_code == 401
    # A setup cannot be started over in a session that is to send a code.
    assert second.post("/api/v1/auth/2fa/setup").status_code == 409
    code = fresh_totp_code(user.id)
    answer = second.post("/api/v1/auth/2fa", json={"code": code})
    assert answer.status_code == 200 and answer.get_json()["user"]["id"] == user.id
    second.csrf_token = answer.get_json()["csrf_token"]
    assert second.get("/api/v1/me").status_code == 200

    third = _past_the_password(app, user)
    assert third.post("/api/v1/auth/2fa", json={"code": code}).status_code == 401


def test_a_recovery_code_signs_in_once(app, make_user):
    user = make_user(role="admin")
    _secret, codes = _enrolled(app, user)

    other = _past_the_password(app, user)
    assert other.post("/api/v1/auth/2fa", json={"code": codes[3].upper()}).status_code == 200
    assert other.get("/api/v1/me").status_code == 200
    again = _past_the_password(app, user)
    assert again.post("/api/v1/auth/2fa", json={"code": codes[3]}).status_code == 401
    assert second_factor.recovery_codes_left(db.session.get(User, user.id)) == 9


def test_wrong_codes_count_toward_the_login_limit(app, client, make_user):
    user = make_user(role="caseworker")
    _enrolled(app, user)
    _login(client, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/api/v1/auth/2fa", json={"code": "000000"}).status_code == 401
    # The limit holds for codes and passwords alike; a correct password does not reset it.
    assert client.post("/api/v1/auth/2fa", json={"code": fresh_totp_code(user.id)}
                       ).status_code == 429
    assert _login(app.test_client(), user).status_code == 429


def test_a_correct_password_does_not_reset_the_count_of_wrong_codes(app, make_user):
    user = make_user(role="caseworker")
    _enrolled(app, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client = app.test_client()
        assert _login(client, user).status_code == 200
        assert client.post("/api/v1/auth/2fa", json={"code": "999999"}).status_code == 401
    assert _login(app.test_client(), user).status_code == 429
    # Only the wrong codes count; the correct passwords gave their attempts back.
    attempts = db.session.scalar(
        select(LoginThrottle.attempts).where(LoginThrottle.key.startswith(
            f"email+address:{user.email}|"))
    )
    assert attempts == app.config["LOGIN_MAX_FAILURES"]


def test_a_half_signed_in_session_expires(client, make_user):
    user = make_user(role="caseworker")
    _login(client, user)
    assert db.session.scalar(select(SecondFactorChallenge.expires_at).where(
        SecondFactorChallenge.user_id == user.id)) > utcnow()
    db.session.execute(update(SecondFactorChallenge)
                       .where(SecondFactorChallenge.user_id == user.id)
                       .values(expires_at=utcnow()))
    assert client.post("/api/v1/auth/2fa/setup").status_code == 401


def test_codes_of_the_neighbouring_steps_are_accepted_others_not():
    secret = pyotp.random_base32(32)
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = int(now) // 30
    for offset in (-1, 0, 1):
        assert second_factor._totp_step(secret, totp.generate_otp(step + offset), now) == (
            step + offset
        )
    for offset in (-3, -2, 2, 3):
        assert second_factor._totp_step(secret, totp.generate_otp(step + offset), now) is None
    assert second_factor._totp_step(secret, "12345", now) is None


def test_an_official_may_set_up_totp_and_then_always_uses_it(client, login, make_user):
    user = make_user(role="official")
    login(client, user)
    _secret, codes = _enrol(client)
    assert len(codes) == 10
    assert client.get("/api/v1/me").status_code == 200  # this session stays signed in
    assert client.post("/api/v1/auth/2fa/setup").status_code == 409
    other = client.application.test_client()
    assert _login(other, user).get_json()["second_factor"] == "required"


def test_a_password_only_session_ends_when_a_role_needing_totp_is_granted(
    client, login, make_user, make_org
):
    district = make_org("district")
    user = make_user(role="caseworker", org=district, status="pending")
    login(client, user)  # pending: no second factor yet
    assert client.get("/api/v1/me").status_code == 200
    db.session.execute(update(Membership).where(Membership.user_id == user.id)
                       .values(status="active"))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert _login(client, user).get_json()["second_factor"] == "enroll"


def test_a_token_of_someone_who_must_now_use_totp_works_only_once_it_is_set_up(
    client, login, make_user, make_org
):
    district = make_org("district")
    user = make_user(role="official", org=district)
    login(client, user)
    raw = client.post("/api/v1/auth/tokens", json={"name": "GIS"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    anonymous = client.application.test_client()
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 200
    db.session.execute(update(Membership).where(Membership.user_id == user.id)
                       .values(role="caseworker"))
    db.session.commit()
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 401
    _enrolled(client.application, user)
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 200


# --- the pages ---------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_login_pages_set_up_totp_show_recovery_codes_then_ask_for_a_code(client, make_user):
    user = make_user(role="caseworker", name="Erika Muster")
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=/profile", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "/2fa/setup" in response.headers["Location"]
    assert client.get("/").status_code == 302  # not signed in yet

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung einrichten" in html
    assert "<svg" in html and "otpauth://totp/" in html
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html).group(1)
    # Reloading the page keeps this browser's secret.
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f">{secret}<" in again
    wrong = client.post(response.headers["Location"], data={"code": "000000",
                                                            "csrf_token": _csrf(html)})
    assert wrong.status_code == 422 and "nicht gültig" in wrong.get_data(as_text=True)
    page = client.post(response.headers["Location"], data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(html)})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and body.count("<li><code>") == 10
    assert 'href="/profile"' in body
    assert "Willkommen, Erika Muster" in client.get("/").get_data(as_text=True)

    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert "/login/2fa" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="code"' in html
    done = client.post(response.headers["Location"], data={
        "code": fresh_totp_code(user.id), "csrf_token": _csrf(html)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Willkommen, Erika Muster" in client.get("/").get_data(as_text=True)


def test_profile_offers_optional_totp_to_an_official(client, login, make_user):
    user = make_user(role="official")
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert 'href="/2fa/setup"' in html
    setup = client.get("/2fa/setup").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', setup).group(1)
    page = client.post("/2fa/setup", data={"code": pyotp.TOTP(secret).now(),
                                           "csrf_token": _csrf(setup)})
    assert page.status_code == 200
    assert db.session.get(User, user.id).totp_enabled_at is not None
    assert client.get("/profile").status_code == 200
