"""The directory in the browser (issue 14, point 5): an official searches "Bürgermeister",
finds the mayor of Bramsche with his e-mail and phone, and "Nachricht schreiben" lands her
in the direct room with him; the mayor sees the room. On a phone-sized screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_listings_map import OFFICIAL_OSNABRUECK, SCREENSHOTS, sign_in

MAYOR = "Bernd Bürgermeister"  # the demo's contact person of Stadt Bramsche
MAYOR_EMAIL = "buergermeister@bramsche.example"
PHONE = {"width": 390, "height": 844}


def test_search_the_mayor_and_write_him_a_message(new_page):
    olga = new_page(viewport=PHONE)
    sign_in(olga, OFFICIAL_OSNABRUECK)
    olga.goto("/directory")
    olga.get_by_label("Suche nach Name, Funktion oder Organisation").fill("Bürgermeister")
    olga.get_by_role("button", name="Filtern").click()

    people = olga.get_by_role("region", name="Personen")
    mayor = people.get_by_role("listitem").filter(
        has=olga.get_by_role("heading", name=MAYOR))
    expect(mayor).to_have_count(1)
    expect(mayor.get_by_test_id("person-function")).to_have_text("Bürgermeister")
    expect(mayor.get_by_role("link", name=MAYOR_EMAIL)).to_have_attribute(
        "href", f"mailto:{MAYOR_EMAIL}")
    expect(mayor.get_by_test_id("person-phone")).to_be_visible()
    expect(mayor.get_by_text("Ansprechperson")).to_be_visible()
    # The card fits the phone's width (nothing to scroll sideways in the list).
    assert olga.evaluate(
        "document.querySelector('[data-testid=people]').scrollWidth") <= PHONE["width"]
    people.screenshot(path=f"{SCREENSHOTS}/directory-people.png")

    mayor.get_by_role("button", name=f"Nachricht schreiben an {MAYOR}").click()
    expect(olga).to_have_url(re.compile(r"/chat/\d+$"))
    expect(olga.get_by_test_id("room-title")).to_have_text(MAYOR)
    room_id = olga.url.rsplit("/", 1)[1]

    # The mayor has the same room, with Olga in it.
    bernd = new_page(viewport=PHONE)
    sign_in(bernd, MAYOR_EMAIL)
    bernd.goto(f"/chat/{room_id}")
    expect(bernd.get_by_test_id("room-title")).to_have_text("Olga Offiziell")
