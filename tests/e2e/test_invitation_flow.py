"""Invite, accept, approve, and the approval arriving live at the bell (issue #6, point 10).

An invitation is the administrator's consent already: accepting it makes the membership
active at once (`profiles.invitations.accept_invitation`), so there is nothing left to
approve for that organisation. What an administrator approves in this product is a join
request (a membership `pending` from the registration page). The story here puts both on
one person: a newcomer asks to join the Landkreis Emsland, is meanwhile invited by the
Landkreis Osnabrück, accepts that invitation through the link with the password of the
account just made, and waits on the start page with the bell's dropdown open until
Emsland's administrator approves the request: the badge goes up and the dropdown shows the
approval, without a reload.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, START_URL, log_in

OSNABRUECK_ADMIN = "kreisadmin@lk-osnabrueck.example"
EMSLAND_ADMIN = "kreisadmin@emsland.example"
OSNABRUECK = "Landkreis Osnabrück"
EMSLAND = "Landkreis Emsland"
NEWCOMER_PASSWORD = "a-long-password"


def _open_members_page(page: Page, email: str, organization: str) -> None:
    """An org admin signs in (TOTP: set up at the first login) and opens the members page."""
    log_in(page, email, DEMO_PASSWORD)
    expect(page).to_have_url(START_URL)
    page.locator("[data-testid^=manage-members-]").first.click()
    expect(page.locator("main h1")).to_have_text(f"Mitglieder von {organization}")


def test_an_invited_member_sees_the_approval_of_her_join_request_arrive_live(new_page):
    suffix = uuid.uuid4().hex[:6]
    name = f"Nora Neuling {suffix}"
    email = f"nora.{suffix}@samtgemeinde.example"

    # She asks to join Emsland on the registration page: a pending join request.
    newcomer = new_page()
    newcomer.goto("/register")
    newcomer.locator("main input[name=name]").fill(name)
    newcomer.locator("main input[name=email]").fill(email)
    newcomer.locator("main input[name=password]").fill(NEWCOMER_PASSWORD)
    newcomer.locator("main select[name=organization_id]").select_option(label=EMSLAND)
    newcomer.locator("main form button[type=submit]").click()
    expect(newcomer.locator(".flash-info")).to_be_visible()

    # Osnabrück's administrator invites her address; the server sends no e-mail, so the
    # page shows the one-time link.
    osnabrueck = new_page()
    _open_members_page(osnabrueck, OSNABRUECK_ADMIN, OSNABRUECK)
    invitations = osnabrueck.get_by_test_id("invitations")
    invitations.locator("input[name=email]").fill(email)
    invitations.locator("select[name=role]").select_option("official")
    invitations.locator("button[type=submit]").first.click()
    link = osnabrueck.locator(".flash-invitation-link")
    expect(link).to_have_text(re.compile(r"^http://[^ ]+/invitations/[\w-]+$"))

    # She opens the link and accepts with the password of her account: signed in, a member
    # of Osnabrück at once, the Emsland request still pending.
    newcomer.goto(link.inner_text())
    expect(newcomer.locator("main h1")).to_have_text(f"{OSNABRUECK} beitreten")
    newcomer.locator("main input[name=password]").fill(NEWCOMER_PASSWORD)
    newcomer.locator("main form button[type=submit]").click()
    expect(newcomer).to_have_url(START_URL)
    expect(newcomer.get_by_test_id("whoami")).to_have_text(name)
    memberships = newcomer.get_by_test_id("memberships")
    expect(memberships.locator("li", has_text=OSNABRUECK)).not_to_contain_text("ausstehend")
    expect(memberships.locator("li", has_text=EMSLAND)).to_contain_text("ausstehend")

    # She stays on the start page with the bell's dropdown open.
    newcomer.wait_for_function("() => window.exchangeSocket && window.exchangeSocket.connected")
    newcomer.evaluate("() => { window.__sameDocument = true; }")
    badge = newcomer.get_by_test_id("nav-bell-count")
    unread_before = int(badge.get_attribute("data-count"))
    newcomer.get_by_test_id("nav-bell").click()
    panel = newcomer.get_by_test_id("notification-panel")
    expect(panel).to_be_visible()
    approval = panel.get_by_test_id("notification").filter(
        has_text=f"Sie sind jetzt Mitglied von {EMSLAND}")
    expect(approval).to_have_count(0)

    # Emsland's administrator approves the join request.
    emsland = new_page()
    _open_members_page(emsland, EMSLAND_ADMIN, EMSLAND)
    pending = emsland.get_by_test_id("pending-requests")
    pending.locator("tr", has_text=name).locator("button[value=approve]").click()
    expect(emsland.locator(".flash-info")).to_contain_text(f"{name} ist jetzt Mitglied.")
    expect(emsland.get_by_test_id("members")).to_contain_text(name)

    # No reload: the badge goes up by one, the open dropdown shows the approval, linked to
    # the organisation.
    expect(badge).to_have_attribute("data-count", str(unread_before + 1))
    expect(badge).to_be_visible()
    expect(approval).to_have_count(1)
    expect(approval).to_have_attribute("data-kind", "membership_approved")
    expect(approval.locator("a")).to_have_attribute("href", re.compile(r"/directory/\d+$"))
    assert newcomer.evaluate("() => window.__sameDocument === true")
