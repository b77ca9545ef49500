"""Security headers on every response (exchange/headers.py): pages, JSON, downloads, static
files and errors; and pages that need nothing the policy forbids (no inline script, no
style attribute), so the browser enforces it without breaking them."""

from __future__ import annotations

import re

import pytest

from exchange import create_app
from exchange.config import Config, ProductionConfig, TestingConfig
from exchange.headers import content_security_policy
from tests.conftest import PASSWORD
from tests.documents.test_api import PDF_BYTES, upload


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_protected(response) -> None:
    """What every answer carries, whatever its kind."""
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not in development/tests


def assert_page_policy(response) -> None:
    assert_protected(response)
    policy = directives(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    # Socket.IO's WebSocket to this host
    assert policy["connect-src"] == ["'self'", "ws://localhost"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_html_pages_carry_the_policy(client):
    response = client.get("/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_page_policy(response)


def test_json_answers_carry_the_headers(as_user):
    client = as_user(role="official")
    response = client.get("/api/v1/organizations")
    assert response.status_code == 200 and response.is_json
    assert_page_policy(response)


def test_downloads_keep_their_own_sandbox_and_may_not_be_framed(as_user):
    """The download's own policy (nothing runs in it) stays; X-Frame-Options keeps it out
    of frames."""
    client = as_user(role="official")
    document = upload(client, PDF_BYTES, "plan.pdf", "application/pdf").get_json()
    response = client.get(f"/api/v1/documents/{document['id']}/content")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert_protected(response)
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_static_files_carry_the_headers(client):
    response = client.get("/static/js/directory.js")
    assert response.status_code == 200
    assert_page_policy(response)
    response.close()


@pytest.mark.parametrize("path, status", [
    ("/no-such-page", 404),
    ("/api/v1/no-such-thing", 404),
    ("/api/v1/organizations/999999", 404),
    ("/api/v1/organizations?kind=castle", 422),
])
def test_error_answers_carry_the_headers(as_user, path, status):
    response = as_user(role="official").get(path)
    assert response.status_code == status
    assert_page_policy(response)


def test_not_signed_in_answers_carry_the_headers(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert_page_policy(response)


def test_a_server_error_carries_the_headers(app):
    """Even the 500 page, made by Flask after an unhandled exception."""
    failing = create_app(TestingConfig)
    failing.config.update(PROPAGATE_EXCEPTIONS=False,
                          SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])

    @failing.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = failing.test_client().get("/boom")
    assert response.status_code == 500
    assert_page_policy(response)


def test_hsts_in_production_only(app):
    assert Config.HSTS_SECONDS == 0 and TestingConfig.HSTS_SECONDS == 0
    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600

    class HstsConfig(TestingConfig):
        HSTS_SECONDS = ProductionConfig.HSTS_SECONDS
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    response = create_app(HstsConfig).test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == (
        f"max-age={ProductionConfig.HSTS_SECONDS}"
    )


def test_the_map_tile_server_and_the_geocoder_are_allowed_when_configured():
    policy = content_security_policy(
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        geocoder_url="https://geo.example.org:8443/search?q={q}",
        websocket_origin="wss://exchange.example.org",
    )
    assert "img-src 'self' data: blob: https://tiles.example.org;" in policy
    assert "connect-src 'self' wss://exchange.example.org https://geo.example.org:8443;" in policy
    assert "tiles" not in content_security_policy()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)


def assert_nothing_inline(response) -> None:
    html = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)
    assert not STYLE_ATTRIBUTE.findall(html)


@pytest.mark.parametrize("role, paths", [
    ("caseworker", ["/", "/shelters", "/persons", "/registry/import", "/capacity", "/transfers",
                    "/chat", "/map", "/directory", "/profile",
                    "/notifications"]),
    ("official", ["/", "/concepts", "/concepts/new", "/listings/new", "/api/v1/docs"]),
    ("landlord", ["/", "/listings/new"]),
])
def test_pages_need_no_inline_script_or_style(as_user, role, paths):
    client = as_user(role=role)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_page_policy(response)
        assert_nothing_inline(response)


def test_login_and_second_factor_pages_need_nothing_inline(client, make_user):
    for path in ["/login", "/register"]:
        assert_nothing_inline(client.get(path))
    caseworker = make_user(role="caseworker")  # must set up a second factor: the QR code
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": caseworker.email, "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and "/2fa/setup" in response.request.path
    assert "<svg" in response.get_data(as_text=True)
    assert_page_policy(response)
    assert_nothing_inline(response)
