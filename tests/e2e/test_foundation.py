"""The first walk through the UI: log in (a caseworker sets up two-factor sign-in on the
way), see who one is, switch the language, log out."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

DEMO_EMAIL = "sozialamt@lk-osnabrueck.example"
DEMO_PASSWORD = "exchange-demo"
LOGIN_URL = re.compile(r"/login(\?.*)?$")
START_URL = re.compile(r"://[^/]+/$")
# Flask-Login sends one to the login page with where one was going in ?next=.
NEXT_START_URL = re.compile(r"/login\?next=(/|%2F)")


# TOTP secrets and recovery codes of the demo users this session has set up (the e2e
# database is fresh per session), and the last time step each one used: the server takes a
# TOTP code once, for its step or one either side.
TOTP_SECRETS: dict[str, str] = {}
RECOVERY_CODES: dict[str, list[str]] = {}
_LAST_STEP: dict[str, int] = {}


def _code(email: str) -> str:
    """A second factor nobody used yet: the TOTP code of this step or the next, else (when
    logins came quicker than the steps) one of the recovery codes. Never waits for the clock,
    so no test depends on where in a 30-second step its logins fall."""
    now = int(time.time()) // 30
    step = max(now, _LAST_STEP.get(email, -1) + 1)
    if step <= now + 1:
        _LAST_STEP[email] = step
        return pyotp.TOTP(TOTP_SECRETS[email]).at(step * 30)
    return RECOVERY_CODES[email].pop()


def log_in(page: Page, email: str, password: str, *, open_login_page: bool = True) -> None:
    """Log in through the form; where a second factor is due, set it up with the key the
    page shows (first login) or send a fresh code (later logins)."""
    if open_login_page:
        page.goto("/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/2fa/setup" in page.url:
        expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
        expect(page.get_by_test_id("totp-uri")).to_have_attribute(
            "href", re.compile(r"^otpauth://totp/")
        )
        TOTP_SECRETS[email] = page.get_by_test_id("totp-secret").inner_text().strip()
        page.get_by_test_id("second-factor-code").fill(_code(email))
        page.locator("main form button[type=submit]").click()
        codes = page.get_by_test_id("recovery-codes").locator("li")
        expect(codes).to_have_count(10)
        RECOVERY_CODES[email] = [code.strip() for code in codes.all_inner_texts()]
        page.get_by_test_id("continue").click()
    elif "/login/2fa" in page.url:
        page.get_by_test_id("second-factor-code").fill(_code(email))
        page.locator("main form button[type=submit]").click()


def test_login_start_page_language_and_logout(page: Page):
    page.goto("/")
    expect(page).to_have_url(NEXT_START_URL)

    # A caseworker sees persons: the first login sets up TOTP (QR code, key, first code,
    # recovery codes), then goes on to where they were going.
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD, open_login_page=False)
    assert DEMO_EMAIL in TOTP_SECRETS
    expect(page).to_have_url(START_URL)
    expect(page.get_by_test_id("whoami")).to_have_text("Stefan Sozial")
    expect(page.get_by_test_id("memberships")).to_contain_text("Landkreis Osnabrück")
    # German is the default language of the platform and of a new profile.
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_test_id("logout")).to_have_text("Abmelden")
    expect(page.locator("main h1")).to_have_text(re.compile(r"^Willkommen\b.*Stefan Sozial"))

    page.locator("button[data-locale=en]").click()
    expect(page).to_have_url(START_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(page.locator("main h1")).to_have_text("Welcome, Stefan Sozial")
    expect(page.locator("button[data-locale=en]")).to_have_class(re.compile(r"\bactive\b"))

    # Back to German: the choice is stored in the demo user's profile, which later tests share.
    page.locator("button[data-locale=de]").click()
    expect(page.get_by_test_id("logout")).to_have_text("Abmelden")

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("logout")).to_have_count(0)
    expect(page.locator("main input[name=email]")).to_be_visible()

    page.goto("/")
    expect(page).to_have_url(NEXT_START_URL)
    expect(page.get_by_test_id("whoami")).to_have_count(0)

    # The next login asks for a code instead.
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD, open_login_page=False)
    expect(page).to_have_url(START_URL)
    expect(page.get_by_test_id("whoami")).to_have_text("Stefan Sozial")


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page):
    log_in(page, DEMO_EMAIL, "not-the-password")

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator(".flash-error")).not_to_be_empty()
    expect(page.locator("main input[name=password]")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
