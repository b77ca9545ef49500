"""Transfer requests in the browser: an official of the Landkreis Osnabrück asks the
Landkreis Emsland for beds of its announcement (map detail → "Betten anfragen" → the form
→ /transfers); Emsland's administrator (the seeded Emsland has no official; admins decide
too) accepts on their /transfers page; the asking official's open /transfers page shows
the request accepted without a reload, the held beds leave the published free beds, and
the request's chat thread opens from the row."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, START_URL, log_in
from tests.e2e.test_handoffs import open_listing_as
from tests.e2e.test_listings_map import OFFICIAL_OSNABRUECK, create_listing, unique

EMSLAND_ADMIN = "kreisadmin@emsland.example"
EMSLAND = "Landkreis Emsland"
OSNABRUECK = "Landkreis Osnabrück"


def _csrf(page: Page) -> str:
    """The CSRF token a signed-in page carries for its scripts."""
    return page.locator("meta[name=csrf-token]").get_attribute("content")


def test_a_district_asks_another_for_beds_and_sees_the_acceptance_live(new_page):
    # Emsland announces free beds (a manual announcement: nothing else depends on it).
    emsland = new_page()
    log_in(emsland, EMSLAND_ADMIN, DEMO_PASSWORD)  # an admin: TOTP
    expect(emsland).to_have_url(START_URL)
    title = unique("Notunterkunft Messehalle Lingen")
    listing = create_listing(
        emsland.request, _csrf(emsland), kind="beds", title=title,
        address={"street": "Lindenstraße 24", "postal_code": "49808", "city": "Lingen (Ems)"},
        location={"lat": 52.5244, "lon": 7.3264}, free_beds=20, beds_by_policy={"mixed": 20},
    )

    # Osnabrück's official asks for 5 of them from the listing's detail on the map.
    osnabrueck = open_listing_as(new_page, OFFICIAL_OSNABRUECK, listing, title)
    osnabrueck.get_by_test_id("detail-transfer").click()
    expect(osnabrueck).to_have_url(re.compile(rf"/transfers/new\?listing_id={listing['id']}$"))
    form = osnabrueck.get_by_test_id("transfer-form")
    expect(osnabrueck.locator("main")).to_contain_text("20 freie Betten")
    form.locator("input[name=beds]").fill("5")
    until = date.today() + timedelta(days=14)
    form.locator("input[name=until]").fill(until.isoformat())
    message = unique("Fünf Betten für eine Familie aus Bramsche")
    form.locator("textarea[name=message]").fill(message)
    osnabrueck.get_by_test_id("transfer-send").click()

    # The form leads to the request's own page; the list has it too.
    expect(osnabrueck).to_have_url(re.compile(r"/transfers/\d+$"))
    osnabrueck.goto("/transfers")
    outgoing = osnabrueck.get_by_test_id("outgoing").locator("tbody tr", has_text=message)
    expect(outgoing).to_contain_text(EMSLAND)
    expect(outgoing.locator("[data-field=status]")).to_have_text("Angefragt")
    expect(outgoing.locator("time[data-field=until]")).to_have_attribute(
        "datetime", until.isoformat())
    expect(outgoing.locator("time[data-field=arrival]")).to_have_attribute(
        "datetime", date.today().isoformat())
    # The asking side cannot decide its own request.
    expect(outgoing.locator("[data-testid^=accept-]")).to_have_count(0)
    osnabrueck.wait_for_function(
        "() => window.exchangeSocket && window.exchangeSocket.connected")
    osnabrueck.evaluate("() => { window.__sameDocument = true; }")

    # Emsland's administrator finds it among the incoming requests and accepts.
    emsland.goto("/transfers")
    incoming = emsland.get_by_test_id("incoming").locator("tbody tr", has_text=message)
    expect(incoming).to_contain_text(OSNABRUECK)
    expect(incoming.locator("[data-field=status]")).to_have_text("Angefragt")
    incoming.locator("[data-testid^=accept-]").click()
    expect(emsland).to_have_url(re.compile(r"/transfers$"))
    incoming = emsland.get_by_test_id("incoming").locator("tbody tr", has_text=message)
    expect(incoming.locator("[data-field=status]")).to_have_text("Angenommen (Betten reserviert)")
    expect(incoming.locator("[data-testid^=release-]")).to_be_visible()

    # Osnabrück's open page follows without a reload; the beds are held: 15 are published.
    expect(outgoing.locator("[data-field=status]")).to_have_text(
        "Angenommen (Betten reserviert)")
    expect(outgoing.locator("[data-testid^=release-]")).to_be_visible()
    assert osnabrueck.evaluate("() => window.__sameDocument === true")
    shown = osnabrueck.request.get(f"/api/v1/listings/{listing['id']}").json()
    assert shown["free_beds"] == 15

    # The request's chat thread opens from the row.
    outgoing.get_by_role("link", name="Chat").click()
    expect(osnabrueck).to_have_url(re.compile(r"/chat/\d+$"))
    expect(osnabrueck.locator("#room-title")).to_contain_text(title)
    expect(osnabrueck.get_by_test_id("message").filter(has_text=message)).to_have_count(1)
