"""An organisation's admin in the browser: invite someone (the link is shown: the e2e
server sends no e-mail), the invitee accepts and is signed in; a join request approved."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, START_URL, log_in

ADMIN_EMAIL = "kreisadmin@lk-osnabrueck.example"
DISTRICT = "Landkreis Osnabrück"


def _members_page(page: Page) -> None:
    log_in(page, ADMIN_EMAIL, DEMO_PASSWORD)  # an admin: TOTP set up at the first login
    expect(page).to_have_url(START_URL)
    page.locator("[data-testid^=manage-members-]").first.click()
    expect(page.locator("main h1")).to_have_text(f"Mitglieder von {DISTRICT}")


def test_invite_accept_and_approve(new_page):
    admin = new_page()
    _members_page(admin)
    expect(admin.get_by_test_id("members")).to_contain_text("Olga Offiziell")

    invitations = admin.get_by_test_id("invitations")
    invitations.locator("input[name=email]").fill("nina.neu@lk-osnabrueck.example")
    invitations.locator("select[name=role]").select_option("official")
    invitations.locator("button[type=submit]").first.click()
    link = admin.locator(".flash-invitation-link")
    expect(link).to_have_text(re.compile(r"^http://[^ ]+/invitations/[\w-]+$"))
    expect(invitations).to_contain_text("nina.neu@lk-osnabrueck.example")

    invitee = new_page()
    invitee.goto(link.inner_text())
    expect(invitee.locator("main h1")).to_have_text(f"{DISTRICT} beitreten")
    invitee.locator("main input[name=name]").fill("Nina Neu")
    invitee.locator("main input[name=password]").fill("a-long-password")
    invitee.locator("main form button[type=submit]").click()
    expect(invitee).to_have_url(START_URL)
    expect(invitee.get_by_test_id("whoami")).to_have_text("Nina Neu")
    expect(invitee.get_by_test_id("memberships")).to_contain_text(DISTRICT)
    expect(invitee.get_by_test_id("memberships")).not_to_contain_text("ausstehend")

    # Someone asks to join through the registration page; the admin approves.
    requester = new_page()
    requester.goto("/register")
    requester.locator("main input[name=name]").fill("Paul Pending")
    requester.locator("main input[name=email]").fill("paul@lk-osnabrueck.example")
    requester.locator("main input[name=password]").fill("a-long-password")
    requester.locator("main select[name=organization_id]").select_option(label=DISTRICT)
    requester.locator("main form button[type=submit]").click()
    expect(requester.locator(".flash-info")).to_be_visible()

    admin.reload()
    pending = admin.get_by_test_id("pending-requests")
    expect(pending).to_contain_text("Paul Pending")
    pending.locator("tr", has_text="Paul Pending").locator("button[value=approve]").click()
    expect(admin.locator(".flash-info")).to_contain_text("Paul Pending")
    expect(admin.get_by_test_id("pending-requests")).not_to_contain_text("Paul Pending")
    expect(admin.get_by_test_id("members")).to_contain_text("Paul Pending")

    log_in(requester, "paul@lk-osnabrueck.example", "a-long-password")
    expect(requester).to_have_url(START_URL)
    expect(requester.get_by_test_id("memberships")).to_contain_text(DISTRICT)
    expect(requester.get_by_test_id("memberships")).not_to_contain_text("ausstehend")
