"""Login, logout, registration, API tokens, CSRF, cookie flags, rate limiting."""

from __future__ import annotations

import pytest

from exchange.extensions import db
from exchange.profiles.models import Membership, User
from tests.conftest import PASSWORD


def test_login_returns_user_and_csrf_token_and_sets_a_safe_cookie(client, make_user):
    user = make_user(role="official", name="Olga")
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["name"] == "Olga"
    assert body["user"]["memberships"][0]["role"] == "official"
    assert body["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_email_is_case_insensitive(client, make_user):
    user = make_user()
    response = client.post(
        "/api/v1/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = client.post("/api/v1/auth/login", json={"email": user.email, "password": "nope-nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "ghost@test.example", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_repeated_failures_answer_429_even_with_the_right_password(app, client, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/api/v1/auth/login", json={"email": user.email,
                                                           "password": "wrong-password"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_logout_ends_the_session_even_for_a_copied_cookie(client, login, make_user):
    user = make_user(role="official")
    login(client, user)
    cookie = client.get_cookie("session")
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    # Replaying the old cookie does not bring the session back.
    client.set_cookie("session", cookie.value)
    assert client.get("/api/v1/me").status_code == 401


def test_state_change_without_csrf_token_is_refused(client, login, make_user):
    user = make_user()
    login(client, user)
    token = client.csrf_token
    client.csrf_token = None
    response = client.patch("/api/v1/me", json={"bio": "hi"})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["message"]
    assert db.session.get(User, user.id).bio == ""
    client.csrf_token = token
    assert client.patch("/api/v1/me", json={"bio": "hi"}).status_code == 200


def test_api_token_works_without_csrf_and_stops_after_revocation(client, login, make_user):
    user = make_user(role="official")
    login(client, user)
    created = client.post("/api/v1/auth/tokens", json={"name": "GIS"})
    assert created.status_code == 201
    raw = created.get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    anonymous = client.application.test_client()
    assert anonymous.get("/api/v1/me", headers=headers).get_json()["id"] == user.id
    assert anonymous.patch("/api/v1/me", json={"bio": "x"}, headers=headers).status_code == 200
    listed = client.get("/api/v1/auth/tokens").get_json()
    assert [t["name"] for t in listed] == ["GIS"] and "token" not in listed[0]
    assert client.delete(f"/api/v1/auth/tokens/{created.get_json()['id']}").status_code == 204
    assert anonymous.get("/api/v1/me", headers=headers).status_code == 401


def test_token_is_stored_hashed(client, login, make_user):
    from exchange.profiles.models import ApiToken

    login(client, make_user())
    raw = client.post("/api/v1/auth/tokens", json={"name": "x"}).get_json()["token"]
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert raw not in stored and all(len(h) == 64 for h in stored)


def test_a_bogus_bearer_token_is_401_even_with_a_valid_cookie(client, login, make_user):
    login(client, make_user())
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer exc_bogus"})
    assert response.status_code == 401


def test_cannot_revoke_someone_elses_token(client, login, make_user, bearer):
    other = make_user()
    bearer(other)
    from exchange.profiles.models import ApiToken

    token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == other.id))
    login(client, make_user())
    assert client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404


def test_register_without_organisation_makes_a_usable_landlord(client):
    response = client.post("/api/v1/auth/register", json={
        "email": "Vermieter@Test.example", "password": "a-long-password", "name": "Vera"})
    assert response.status_code == 202
    assert "Sign in" in response.get_json()["message"]
    login = client.post("/api/v1/auth/login", json={"email": "vermieter@test.example",
                                                    "password": "a-long-password"})
    assert login.status_code == 200
    body = login.get_json()["user"]
    assert body["email"] == "vermieter@test.example"
    assert body["memberships"][0]["role"] == "landlord"
    assert body["memberships"][0]["status"] == "active"


def test_register_into_an_organisation_is_pending(client, make_org):
    district = make_org("district")
    response = client.post("/api/v1/auth/register", json={
        "email": "new@test.example", "password": "a-long-password", "name": "Neu",
        "organization_id": district.id})
    assert response.status_code == 202
    user = db.session.scalar(db.select(User).where(User.email == "new@test.example"))
    assert [(m.organization_id, m.role, m.status) for m in user.memberships] == [
        (district.id, "official", "pending")]


@pytest.mark.parametrize("organisation", [False, True])
def test_registering_a_known_email_answers_like_a_new_one_and_tells_its_owner(
    client, make_user, make_org, smtp_server, organisation
):
    """Issue 12, point 12: the answer for a known e-mail was 409 (enumeration)."""
    district = make_org("district")
    extra = {"organization_id": district.id} if organisation else {}
    owner = make_user(name="Olga Owner")
    owner.locale = "en"
    owner_hash = owner.password_hash
    before = db.session.scalar(db.select(db.func.count()).select_from(Membership))
    new = client.post("/api/v1/auth/register", json={
        "email": "brand-new@test.example", "password": "a-long-password", "name": "New",
        **extra})
    known = client.post("/api/v1/auth/register", json={
        "email": owner.email.upper(), "password": "another-long-password", "name": "Dup",
        **extra})
    assert (known.status_code, known.get_json()) == (new.status_code, new.get_json())
    assert known.status_code == 202
    assert set(known.headers) - {"Set-Cookie"} == set(new.headers) - {"Set-Cookie"}
    # Nothing was made or changed for the known address ...
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == before + 1
    assert db.session.get(User, owner.id).password_hash == owner_hash
    # ... and its owner (only) is told by e-mail.
    [message] = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == owner.email
    assert "tried to register" in message.get_content()


def test_register_with_bad_fields_names_each_field(client):
    response = client.post("/api/v1/auth/register", json={"email": "not-an-email",
                                                          "password": "short"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"email", "password", "name"}


def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")


def test_pending_member_can_log_in_but_has_no_active_role(client, login, make_user, make_org):
    user = make_user(role="caseworker", org=make_org("district"), status="pending")
    login(client, user)
    assert client.get("/api/v1/me").get_json()["memberships"][0]["status"] == "pending"
