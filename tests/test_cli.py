"""The `exchange` command: create-admin and seed-demo."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import func, select

from exchange import demo
from exchange.extensions import db
from exchange.profiles.models import Membership, Organization, User


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _log_in(client, email: str, password: str):
    """Log in; platform admins and caseworkers set up their second factor on the way (the
    answer is then that of /auth/2fa/confirm, with `user` and `csrf_token` too)."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code == 200 and response.get_json().get("second_factor") == "enroll":
        secret = client.post("/api/v1/auth/2fa/setup").get_json()["secret"]
        response = client.post("/api/v1/auth/2fa/confirm",
                               json={"code": pyotp.TOTP(secret).now()})
    return response


def test_create_admin_with_password_option_makes_a_platform_admin_who_can_log_in(run, client):
    result = run("create-admin", "Chefin@Rechenzentrum.example", "--password", "a-long-password")
    assert result.exit_code == 0, result.output
    assert "chefin@rechenzentrum.example" in result.output
    response = _log_in(client, "chefin@rechenzentrum.example", "a-long-password")
    assert response.status_code == 200
    assert response.get_json()["user"]["is_platform_admin"] is True
    client.csrf_token = response.get_json()["csrf_token"]
    created = client.post("/api/v1/organizations", json={"name": "Land Niedersachsen",
                                                         "kind": "state", "ags": "03"})
    assert created.status_code == 201


def test_create_admin_reads_the_password_from_stdin(run, client):
    result = run("create-admin", "admin@rechenzentrum.example", input="from-standard-input\n")
    assert result.exit_code == 0, result.output
    assert "from-standard-input" not in result.output
    assert _log_in(client, "admin@rechenzentrum.example", "from-standard-input").status_code == 200


def test_create_admin_promotes_an_existing_user_and_sets_the_password(run, client, make_user):
    user = make_user(role="official", name="Olga")
    result = run("create-admin", user.email, "--password", "a-new-long-password")
    assert result.exit_code == 0, result.output
    assert _count(User) == 1
    user = db.session.get(User, user.id)
    assert user.is_platform_admin and user.name == "Olga"
    assert _log_in(client, user.email, "a-new-long-password").status_code == 200


def test_create_admin_refuses_a_short_password_and_creates_nobody(run):
    result = run("create-admin", "admin@rechenzentrum.example", "--password", "short")
    assert result.exit_code != 0
    assert "password" in result.output
    assert _count(User) == 0


def test_seed_demo_twice_creates_the_demo_data_once_and_prints_the_logins(run, client):
    first = run("seed-demo")
    assert first.exit_code == 0, first.output
    counts = (_count(Organization), _count(User), _count(Membership))
    assert counts == (len(demo.ORGANIZATIONS), len(demo.USERS), len(demo.USERS) - 1)

    second = run("seed-demo")
    assert second.exit_code == 0, second.output
    assert (_count(Organization), _count(User), _count(Membership)) == counts

    for output in (first.output, second.output):
        assert demo.DEMO_PASSWORD in output
        for email, *_rest in demo.USERS:
            assert email in output
        assert "two-factor sign-in" in output
        assert re.search(r"sozialamt@lk-osnabrueck\.example\s+caseworker \(TOTP\)", output)
        assert re.search(r"fluechtlinge@lk-osnabrueck\.example\s+official\s", output)

    # The printed logins work, and the tree is in place.
    email = "sozialamt@lk-osnabrueck.example"
    response = _log_in(client, email, demo.DEMO_PASSWORD)
    assert response.status_code == 200
    client.csrf_token = response.get_json()["csrf_token"]
    district = db.session.scalar(select(Organization).where(Organization.ags == "03459"))
    municipalities = client.get(f"/api/v1/organizations?parent_id={district.id}").get_json()
    assert {o["name"] for o in municipalities["items"]} == {"Stadt Bramsche", "Stadt Melle"}
    admin = db.session.scalar(select(User).where(User.email == "admin@exchange.example"))
    assert admin.is_platform_admin
