"""The notifications bell in the browser: an official with a saved search has the start
page open; another official publishes a matching listing; the bell's badge goes up live
(over the socket, no reload) and its dropdown shows the saved-search match, linked."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.test_listings_map import (
    OFFICIAL_LINGEN,
    OFFICIAL_OSNABRUECK,
    create_listing,
    sign_in,
)


def test_a_saved_search_match_arrives_live_at_the_bell(new_page):
    watcher: Page = new_page(viewport={"width": 1400, "height": 900})
    csrf = sign_in(watcher, OFFICIAL_OSNABRUECK)
    name = f"Familien Lingen {uuid.uuid4().hex[:4]}"
    answer = watcher.request.post(
        "/api/v1/saved-searches", data={"name": name, "filters": {"kind": "flat"}},
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 201, answer.text()
    # Start from a clean bell.
    answer = watcher.request.post("/api/v1/notifications/read-all",
                                  headers={"X-CSRFToken": csrf})
    assert answer.status == 200, answer.text()
    watcher.goto("/")
    badge = watcher.get_by_test_id("nav-bell-count")
    expect(badge).to_have_attribute("data-count", "0")
    expect(badge).to_be_hidden()
    # The socket client is loaded by the bell's script and connected.
    watcher.wait_for_function("() => window.exchangeSocket && window.exchangeSocket.connected")

    other = new_page()
    other_csrf = sign_in(other, OFFICIAL_LINGEN)
    title = f"Familienwohnung am Wall {uuid.uuid4().hex[:6]}"
    listing = create_listing(
        other.request, other_csrf, kind="flat", title=title,
        address={"street": "Am Wall 3", "postal_code": "49808", "city": "Lingen (Ems)"},
        location={"lat": 52.5231, "lon": 7.3191}, rooms=4, max_occupants=6,
        rent_cold="620.00", utilities="160.00",
    )

    # No reload: the badge goes up.
    expect(badge).to_be_visible()
    expect(badge).not_to_have_attribute("data-count", "0")
    count_before_open = int(badge.get_attribute("data-count"))
    assert count_before_open >= 1

    watcher.get_by_test_id("nav-bell").click()
    panel = watcher.get_by_test_id("notification-panel")
    expect(panel).to_be_visible()
    item = panel.get_by_test_id("notification").filter(has_text=title)
    expect(item).to_have_attribute("data-kind", "saved_search_match")
    expect(item).to_contain_text(f"Neues Angebot zu Ihrer Suche „{name}“")
    link = item.locator("a")
    expect(link).to_have_attribute("href", f"/listings/{listing['id']}")

    # Opening it marks it read.
    link.click()
    expect(watcher).to_have_url(re.compile(rf"/listings/{listing['id']}(\?.*)?$"))
    unread = watcher.request.get("/api/v1/notifications?unread=true").json()["items"]
    assert all(n["payload"].get("listing_id") != listing["id"] or n["kind"] !=
               "saved_search_match" for n in unread)
