"""The first walk through the UI: log in, see who one is, switch the language, log out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DEMO_EMAIL = "sozialamt@lk-osnabrueck.example"
DEMO_PASSWORD = "exchange-demo"
LOGIN_URL = re.compile(r"/login(\?.*)?$")
START_URL = re.compile(r"://[^/]+/$")
# Flask-Login sends one to the login page with where one was going in ?next=.
NEXT_START_URL = re.compile(r"/login\?next=(/|%2F)")


def log_in(page: Page, email: str, password: str, *, open_login_page: bool = True) -> None:
    if open_login_page:
        page.goto("/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()


def test_login_start_page_language_and_logout(page: Page):
    page.goto("/")
    expect(page).to_have_url(NEXT_START_URL)

    log_in(page, DEMO_EMAIL, DEMO_PASSWORD, open_login_page=False)
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


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page):
    log_in(page, DEMO_EMAIL, "not-the-password")

    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator(".flash-error")).not_to_be_empty()
    expect(page.locator("main input[name=password]")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
