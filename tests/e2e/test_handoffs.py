"""Hand-offs between two people (issue 14, point 1), each with two browser contexts: a bed
request reaches the offering official where they already look (the bell, the start page,
the request's chat thread) with accept and decline at hand, and its outcome reaches the
asking official; a reservation of a landlord's flat reaches the landlord and opens their
conversation.

The offering side is the city of Melle's official, the asking side Bramsche's mayor (two
municipalities side by side, no second factor, whom no test of the chat's unread counts
uses); each test announces its own beds so that none depends on another."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_listings_map import create_listing, sign_in, unique

LANDLORD = "vermietung@wohnbau-emsland.example"
MELLE = "rathaus@melle.example"  # offers beds
BRAMSCHE = "buergermeister@bramsche.example"  # asks for them
#: The landlord's flat, less its title.
FLAT = {
    "kind": "flat", "rooms": 3, "area_m2": 72, "max_occupants": 5, "accessible": False,
    "rent_cold": "560.00", "utilities": "160.00", "location": {"lat": 52.5220, "lon": 7.3170},
    "address": {"street": "Am Pferdemarkt 3", "postal_code": "49808", "city": "Lingen (Ems)"},
}
ASKING = "Stadt Bramsche"
ACCEPTED = "Angenommen (Betten reserviert)"


def _announce_beds(page: Page, free_beds: int = 12) -> dict:
    """Melle announces free beds (a manual announcement) and opens its start page."""
    csrf = sign_in(page, MELLE)
    listing = create_listing(
        page.request, csrf, kind="beds", title=unique("Notunterkunft Grönegau-Halle"),
        address={"street": "Weststraße 20", "postal_code": "49324", "city": "Melle"},
        location={"lat": 52.2045, "lon": 8.3301}, free_beds=free_beds,
        beds_by_policy={"mixed": free_beds},
    )
    page.goto("/")
    _live(page)
    return listing


def _live(page: Page) -> None:
    """Wait until the page's socket is connected (what arrives later is shown live)."""
    page.wait_for_function("() => window.exchangeSocket && window.exchangeSocket.connected")


def _ask_in_the_form(page: Page, listing: dict, beds: int, message: str) -> int:
    """The asking official requests beds from the listing's detail; returns the request's
    id (the form leads to the request's page)."""
    page.goto(f"/listings/{listing['id']}")
    page.get_by_test_id("detail-transfer").click()
    form = page.get_by_test_id("transfer-form")
    form.locator("input[name=beds]").fill(str(beds))
    form.locator("input[name=arrival_date]").fill((date.today() + timedelta(days=2)).isoformat())
    form.locator("input[name=until]").fill((date.today() + timedelta(days=21)).isoformat())
    form.locator("textarea[name=message]").fill(message)
    page.get_by_test_id("transfer-send").click()
    expect(page).to_have_url(re.compile(r"/transfers/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _ask_by_api(page: Page, listing: dict, beds: int) -> dict:
    csrf = sign_in(page, BRAMSCHE)
    answer = page.request.post("/api/v1/transfers", headers={"X-CSRFToken": csrf}, data={
        "listing_id": listing["id"], "beds": beds,
        "arrival_date": (date.today() + timedelta(days=1)).isoformat(),
        "until": (date.today() + timedelta(days=14)).isoformat(),
        "message": unique("Bitte um Plätze")})
    assert answer.status == 201, answer.text()
    return answer.json()


def open_listing_as(new_page, email: str, listing: dict, title: str) -> Page:
    """A new browser context of ``email`` with the listing's detail open on the map."""
    page = new_page()
    sign_in(page, email)
    page.goto(f"/listings/{listing['id']}")
    expect(page.get_by_test_id("detail-title")).to_have_text(title)
    return page


def _open_bell(page: Page):
    expect(page.get_by_test_id("nav-bell-count")).to_be_visible()
    page.get_by_test_id("nav-bell").click()
    panel = page.get_by_test_id("notification-panel")
    expect(panel).to_be_visible()
    return panel


def test_a_bed_request_is_accepted_from_the_notification(new_page):
    melle = new_page()
    listing = _announce_beds(melle)

    bramsche = new_page()
    sign_in(bramsche, BRAMSCHE)
    bramsche.goto("/")
    # "Anfragen" is in the navigation of those who ask and answer.
    expect(bramsche.get_by_test_id("nav-requests")).to_have_text("Anfragen")
    transfer_id = _ask_in_the_form(bramsche, listing, 3, unique("Drei Plätze für Familie K."))
    expect(bramsche.get_by_test_id("transfer-status")).to_have_text("Angefragt")
    _live(bramsche)

    # Melle's start page lists it with accept and decline; the bell has it live.
    expect(melle.get_by_test_id("nav-requests")).to_be_visible()
    panel = _open_bell(melle)
    note = panel.locator('[data-kind="transfer_requested"]').first
    expect(note).to_contain_text(f"{ASKING} fragt 3 Plätze an")
    melle.reload()
    on_start = melle.get_by_test_id(f"start-transfer-{transfer_id}")
    expect(on_start).to_contain_text(ASKING)
    expect(on_start.get_by_test_id(f"accept-{transfer_id}")).to_be_visible()

    # Accept right in the notification.
    panel = _open_bell(melle)
    panel.locator('[data-kind="transfer_requested"]').first.get_by_test_id(
        "notification-accept").click()
    expect(melle).to_have_url(re.compile(rf"/transfers/{transfer_id}$"))
    expect(melle.get_by_test_id("transfer-status")).to_have_text(ACCEPTED)

    # The asking official's open page follows; the beds are held.
    expect(bramsche.get_by_test_id("transfer-status")).to_have_text(ACCEPTED)
    expect(bramsche.get_by_test_id(f"release-{transfer_id}")).to_be_visible()
    expect(bramsche.get_by_test_id("nav-bell-count")).to_be_visible()
    shown = bramsche.request.get(f"/api/v1/listings/{listing['id']}").json()
    assert shown["free_beds"] == 9


def test_a_bed_request_is_declined_in_its_chat_thread(new_page):
    melle = new_page()
    listing = _announce_beds(melle)
    bramsche = new_page()
    transfer = _ask_by_api(bramsche, listing, 2)
    bramsche.goto(f"/transfers/{transfer['id']}")
    _live(bramsche)

    # Melle follows the notification to the request, then into its conversation.
    panel = _open_bell(melle)
    panel.locator('[data-kind="transfer_requested"]').first.locator("a").click()
    expect(melle).to_have_url(re.compile(rf"/transfers/{transfer['id']}$"))
    melle.get_by_test_id("transfer-chat").click()
    expect(melle).to_have_url(re.compile(rf"/chat/{transfer['room_id']}$"))
    thread = melle.get_by_test_id("room-transfer")
    expect(thread).to_be_visible()
    expect(melle.get_by_test_id("message").filter(has_text=transfer["message"])).to_have_count(1)
    thread.get_by_label("Begründung").fill("Belegt bis Monatsende")
    thread.get_by_test_id(f"decline-{transfer['id']}").click()
    expect(melle).to_have_url(re.compile(rf"/chat/{transfer['room_id']}$"))
    expect(melle.get_by_test_id("room-transfer").locator("[data-field=status]")).to_have_text(
        "Abgelehnt")

    # The asking side is told, with the reason, and is offered to ask elsewhere.
    expect(bramsche.get_by_test_id("transfer-status")).to_have_text(
        "Abgelehnt – Belegt bis Monatsende")
    expect(bramsche.get_by_test_id("transfer-find-beds")).to_be_visible()
    panel = _open_bell(bramsche)
    expect(panel.locator('[data-kind="transfer_declined"]').first).to_contain_text("abgelehnt")


def test_a_bed_request_is_withdrawn_and_the_offering_side_is_told(new_page):
    melle = new_page()
    listing = _announce_beds(melle)
    bramsche = new_page()
    transfer = _ask_by_api(bramsche, listing, 2)
    expect(melle.get_by_test_id("nav-bell-count")).to_be_visible()

    bramsche.goto(f"/transfers/{transfer['id']}")
    bramsche.get_by_test_id(f"withdraw-{transfer['id']}").click()
    expect(bramsche).to_have_url(re.compile(rf"/transfers/{transfer['id']}$"))
    expect(bramsche.get_by_test_id("transfer-status")).to_have_text("Zurückgezogen")
    expect(bramsche.get_by_test_id(f"withdraw-{transfer['id']}")).to_have_count(0)

    # Melle hears of it; the request no longer waits for an answer anywhere.
    panel = _open_bell(melle)
    withdrawn = panel.locator('[data-kind="transfer_withdrawn"]').first
    expect(withdrawn).to_contain_text(f"{ASKING} hat die Anfrage nach 2 Plätzen zurückgezogen")
    expect(panel.locator('[data-kind="transfer_requested"]').first.get_by_test_id(
        "notification-accept")).to_have_count(0)
    withdrawn.locator("a").click()
    expect(melle).to_have_url(re.compile(rf"/transfers/{transfer['id']}$"))
    expect(melle.get_by_test_id("transfer-status")).to_have_text("Zurückgezogen")
    expect(melle.get_by_test_id(f"accept-{transfer['id']}")).to_have_count(0)
    melle.goto("/")
    expect(melle.get_by_test_id(f"start-transfer-{transfer['id']}")).to_have_count(0)


def test_a_reservation_reaches_the_landlord_and_opens_their_conversation(new_page):
    landlord = new_page()
    csrf = sign_in(landlord, LANDLORD)
    title = unique("3-Zimmer-Wohnung am Pferdemarkt")
    flat = create_listing(landlord.request, csrf, title=title, **FLAT)
    landlord.goto("/")
    # The landlord's main action is on their start page.
    expect(landlord.get_by_test_id("start-new-listing")).to_have_text("Neues Inserat")
    _live(landlord)

    official = open_listing_as(new_page, BRAMSCHE, flat, title)
    official.get_by_test_id("detail-reserve").click()
    # The official continues in the conversation with the landlord.
    expect(official).to_have_url(re.compile(r"/chat/\d+$"))
    room_url = official.url
    expect(official.locator("#room-title")).to_contain_text(title)

    panel = _open_bell(landlord)
    note = panel.locator('[data-kind="listing_requested"]').first
    expect(note).to_contain_text(title)
    note.locator("a").click()
    expect(landlord).to_have_url(room_url)
    expect(landlord.locator("#room-title")).to_contain_text(title)
    expect(landlord.get_by_test_id("composer-input")).to_be_visible()
    shown = landlord.request.get(f"/api/v1/listings/{flat['id']}").json()
    assert shown["status"] == "reserved"
