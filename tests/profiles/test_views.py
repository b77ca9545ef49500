"""HTML pages: login, start page, language switch, registration, directory, profile."""

from __future__ import annotations

import re

import pyotp

from exchange.extensions import db
from exchange.profiles.models import User
from tests.conftest import PASSWORD, fresh_totp_code


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form_login(client, user) -> None:
    """Log in through the pages, with the second factor where it is due (set up at the
    first login from the key the page shows)."""
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    if "/2fa/setup" in location:
        html = client.get(location).get_data(as_text=True)
        secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html).group(1)
        page = client.post(location, data={"code": pyotp.TOTP(secret).now(),
                                           "csrf_token": _csrf(html)})
        assert page.status_code == 200 and 'data-testid="recovery-codes"' in page.get_data(
            as_text=True)
    elif "/login/2fa" in location:
        html = client.get(location).get_data(as_text=True)
        response = client.post(location, data={"code": fresh_totp_code(user.id),
                                               "csrf_token": _csrf(html)})
        assert response.status_code == 302


def test_start_page_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_page_is_german_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Anmelden" in html and "Passwort" in html


def test_start_page_shows_name_and_organisation(client, make_user, make_org):
    org = make_org("district", name="Landkreis Testland")
    _form_login(client, make_user(role="caseworker", org=org, name="Erika Muster"))
    html = client.get("/").get_data(as_text=True)
    assert "Willkommen, Erika Muster" in html and "Landkreis Testland" in html


def test_language_switch_to_english_is_remembered_in_the_profile(client, make_user):
    user = make_user(role="official")
    _form_login(client, user)
    token = _csrf(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "Log out" in html and "Abmelden" not in html
    assert db.session.get(User, user.id).locale == "en"


def test_form_post_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_wrong_password_stays_on_the_login_page_with_a_message(client, make_user):
    user = make_user()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": "wrong-wrong",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch" in response.get_data(as_text=True)


def test_login_does_not_redirect_to_another_site(client, make_user):
    user = make_user()
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_register_page_creates_a_landlord_who_then_signs_in(client):
    token = _csrf(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={
        "name": "Vera Vermieter", "email": "vera@test.example", "password": "a-long-password",
        "organization_id": "", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    # Not signed in by the registration (a known e-mail would not be): sign in next.
    assert client.get("/").status_code == 302
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "vera@test.example", "password": "a-long-password",
                                "csrf_token": token})
    assert "Vera Vermieter" in client.get("/").get_data(as_text=True)


def test_register_page_answers_a_known_email_like_a_new_one(client, make_user):
    owner = make_user()
    pages = []
    for email in ("fresh@test.example", owner.email):
        token = _csrf(client.get("/register").get_data(as_text=True))
        response = client.post("/register", data={
            "name": "Somebody", "email": email, "password": "a-long-password",
            "organization_id": "", "csrf_token": token})
        assert (response.status_code, response.headers["Location"]) == (302, "/login")
        # The CSRF tokens (form field and meta tag) carry the second they were signed in.
        pages.append(re.sub(r'name="csrf[-_]token" (value|content)="[^"]+"', "",
                            client.get("/login").get_data(as_text=True)))
    assert pages[0] == pages[1]


def test_profile_page_saves_languages_and_topics(client, make_user):
    user = make_user(role="official")
    _form_login(client, user)
    token = _csrf(client.get("/profile").get_data(as_text=True))
    client.post("/profile", data={"name": user.name, "languages": "de AR", "topics":
                                  "Wohnen, Schule", "bio": "", "phone": "", "csrf_token": token})
    saved = db.session.get(User, user.id)
    assert saved.languages == ["de", "ar"] and saved.topics == ["Wohnen", "Schule"]


def test_directory_lists_and_filters_organisations(client, make_user, make_org):
    make_org("municipality", name="Gemeinde Sonnenfeld")
    make_org("district", name="Landkreis Regenwald")
    _form_login(client, make_user(role="official"))
    html = client.get("/directory?kind=municipality").get_data(as_text=True)
    assert "Gemeinde Sonnenfeld" in html and "Landkreis Regenwald" not in html


def test_vendor_files_come_from_npm(client):
    response = client.get("/static/vendor/leaflet/dist/leaflet.js")
    assert response.status_code == 200
