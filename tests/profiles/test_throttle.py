"""Issue 12, point 6: sign-in attempts are counted atomically and slow an address down.

Before, counting and recording a failure were two steps: twelve parallel wrong passwords
for one e-mail all reached the password check (limit 5), five wrong passwords from anyone
locked any account for 15 minutes, and twenty locked an office out behind one address.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, or_, select, update

from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles import accounts
from exchange.profiles.models import LoginThrottle, Membership, Organization, User
from tests.conftest import PASSWORD, fresh_totp_code

PARALLEL = 20


def _login(client, email: str, password: str, address: str = "127.0.0.1", **headers):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def _in_parallel(app, send) -> list[int]:
    """Send PARALLEL requests at once, each from its own thread with its own test client,
    app context, session and database connection; their status codes, sorted."""
    barrier = threading.Barrier(PARALLEL)

    def one(_n: int) -> int:
        client = app.test_client()
        barrier.wait()
        return send(client).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        return sorted(pool.map(one, range(PARALLEL)))


@pytest.fixture
def committed_user(app, no_transaction, make_user):
    """make_committed(role) → (id, email) of a user committed for real; removed after."""
    made: list[tuple[int, str]] = []

    def make(role: str, totp: bool = False) -> tuple[int, str]:
        with app.app_context():
            user = make_user(role=role, org=None)
            if totp:
                import pyotp

                user.totp_secret = pyotp.random_base32(32)
                user.totp_enabled_at = utcnow()
            db.session.commit()
            made.append((user.id, user.email))
            return user.id, user.email

    yield make
    with app.app_context():
        for user_id, email in made:
            org_ids = db.session.scalars(select(Membership.organization_id).where(
                Membership.user_id == user_id)).all()
            db.session.execute(delete(LoginThrottle).where(or_(
                LoginThrottle.key.contains(email), LoginThrottle.key.startswith("address:"),
                LoginThrottle.key == f"second-factor:{user_id}")))
            db.session.execute(delete(User).where(User.id == user_id))
            db.session.execute(delete(Organization).where(Organization.id.in_(org_ids)))
        db.session.commit()


def test_twenty_parallel_wrong_passwords_let_exactly_the_limit_reach_the_check(
    app, committed_user, monkeypatch
):
    _user_id, email = committed_user("official")
    checked = []
    real_check = accounts.check_password

    def counting_check(user, password):
        checked.append(password)
        return real_check(user, password)

    monkeypatch.setattr(accounts, "check_password", counting_check)
    statuses = _in_parallel(app, lambda client: _login(client, email, "wrong-password"))
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert statuses == [401] * limit + [429] * (PARALLEL - limit)
    assert len(checked) == limit


def test_twenty_parallel_wrong_codes_let_exactly_the_limit_reach_the_check(
    app, committed_user
):
    user_id, email = committed_user("caseworker", totp=True)
    first = app.test_client()
    answer = _login(first, email, PASSWORD)
    assert answer.get_json()["second_factor"] == "required"
    cookie, csrf = first.get_cookie("session").value, answer.get_json()["csrf_token"]

    def wrong_code(client):
        client.set_cookie("session", cookie)
        client.csrf_token = csrf
        return client.post("/api/v1/auth/2fa", json={"code": "000000"})

    statuses = _in_parallel(app, wrong_code)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert statuses == [401] * limit + [429] * (PARALLEL - limit)


def test_past_the_free_attempts_one_waits_a_growing_delay_and_is_told_how_long(
    app, client, make_user
):
    user = make_user(role="official")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(client, user.email, "wrong-password").status_code == 401
    # Even the right password now waits; the answer says how long, in the reader's language.
    early = _login(client, user.email, PASSWORD)
    assert early.status_code == 429
    first_wait = _retry_after(early)
    assert 0 < first_wait <= app.config["LOGIN_DELAY_SECONDS"]
    assert re.fullmatch(r"Zu viele Fehlversuche\. Bitte versuchen Sie es in \d+ Sekunden "
                        r"erneut\.", early.get_json()["message"])
    english = _login(client, user.email, PASSWORD, **{"Accept-Language": "en"})
    assert english.get_json()["message"] == (
        f"Too many failed attempts. Try again in {_retry_after(english)} seconds.")

    # The wait is over (moved into the past here): one more attempt goes through, and the
    # next wait is twice as long.
    db.session.execute(update(LoginThrottle).where(
        LoginThrottle.key.startswith(f"email+address:{user.email}|")).values(
        next_attempt_at=utcnow()))
    assert _login(client, user.email, "wrong-password").status_code == 401
    later = _login(client, user.email, PASSWORD)
    assert later.status_code == 429
    assert _retry_after(later) > app.config["LOGIN_DELAY_SECONDS"]

    # Nobody is locked out by it: the owner from another address, and a colleague behind
    # the same address, sign in at once.
    assert _login(app.test_client(), user.email, PASSWORD, address="10.1.2.3").status_code == 200
    colleague = make_user(role="official")
    assert _login(app.test_client(), colleague.email, PASSWORD).status_code == 200


def test_an_address_is_slowed_down_only_after_many_failures_and_not_others(
    app, make_user
):
    office = "10.20.30.40"
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        answer = _login(app.test_client(), f"typo{n}@test.example", "wrong", address=office)
        assert answer.status_code == 401
    user = make_user(role="official")
    slowed = _login(app.test_client(), user.email, PASSWORD, address=office)
    assert slowed.status_code == 429 and _retry_after(slowed) > 0
    assert _login(app.test_client(), user.email, PASSWORD, address="10.20.30.41"
                  ).status_code == 200


def test_the_login_page_says_how_long_to_wait(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_DELAY_SECONDS", 300)
    user = make_user(role="official")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    form = {"email": user.email, "password": "wrong-password", "csrf_token": token}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login", data=form).status_code == 401
    page = client.post("/login", data={**form, "password": PASSWORD})
    assert page.status_code == 429 and _retry_after(page) > 240
    assert "Bitte versuchen Sie es in 5 Minuten erneut." in page.get_data(as_text=True)


def test_a_correct_code_after_the_wait_signs_in_and_forgets_the_failures(
    app, client, login, make_user
):
    user = make_user(role="caseworker")
    login(app.test_client(), user)  # sets up TOTP
    answer = _login(client, user.email, PASSWORD)
    client.csrf_token = answer.get_json()["csrf_token"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/api/v1/auth/2fa", json={"code": "000000"}).status_code == 401
    assert client.post("/api/v1/auth/2fa", json={"code": "000000"}).status_code == 429
    db.session.execute(update(LoginThrottle).values(next_attempt_at=utcnow()))
    assert client.post("/api/v1/auth/2fa", json={"code": fresh_totp_code(user.id)}
                       ).status_code == 200
    assert db.session.scalars(select(LoginThrottle.key).where(or_(
        LoginThrottle.key.contains(user.email),
        LoginThrottle.key == f"second-factor:{user.id}"))).all() == []


def test_an_overlong_email_on_the_login_form_is_a_plain_wrong_login(client):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": "x" * 5000 + "@test.example",
                                         "password": "wrong", "csrf_token": token})
    assert answer.status_code == 401
