"""Proposals in the browser (issue 18, point 3): a caseworker proposes a household housed in
a published shelter for a landlord's flat, the landlord accepts in a second browser
context (seeing no names), the caseworker marks the household moved in, and the freed
beds appear on an official's open map without a reload.

Works in its own corner of the map (Bad Iburg) with its own shelter, household and flat,
so that no other test's figures move."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.dates import iso
from tests.e2e.test_foundation import log_in
from tests.e2e.test_listings_map import (
    DEMO_PASSWORD,
    OFFICIAL_LINGEN,
    create_listing,
    sign_in,
    unique,
)

CASEWORKER = "sozialamt@lk-osnabrueck.example"
LANDLORD = "vermietung@wohnbau-emsland.example"
IBURG = {"lat": 52.1590, "lon": 8.0460}


def _csrf(page: Page) -> str:
    return page.locator("meta[name=csrf-token]").get_attribute("content")


def _post(page: Page, path: str, body: dict) -> dict:
    answer = page.request.post(f"/api/v1{path}", data=body,
                               headers={"X-CSRFToken": _csrf(page)})
    assert answer.status in (200, 201), answer.text()
    return answer.json()


def _housed_household(page: Page, shelter_name: str) -> int:
    """A published shelter of four family beds with a household of two housed in it."""
    shelter = _post(page, "/shelters", {
        "name": shelter_name, "kind": "collective",
        "address": {"street": "Schloßstraße 1", "postal_code": "49186", "city": "Bad Iburg"},
        "location": IBURG, "publish_capacity": True, "reserve_beds": 0})
    room = _post(page, f"/shelters/{shelter['id']}/rooms",
                 {"name": "F1", "policy": "family", "beds": 4})
    persons = [
        _post(page, "/persons", {"family_name": "Nazari", "given_names": given,
                                 "gender": gender, "birth_date": born, "languages": ["fa"],
                                 "arrival_date": iso(-90)})
        for given, gender, born in (("Sahar", "f", "1990-03-01"), ("Ali", "m", "2019-06-01"))
    ]
    household = _post(page, "/households", {"member_ids": [p["id"] for p in persons]})
    for person, bed in zip(persons, room["beds"], strict=False):
        _post(page, "/occupancies", {"person_id": person["id"], "bed_id": bed["id"]})
    return household["id"]


def _shelter_on_map(page: Page, name: str):
    return page.get_by_test_id("results").locator("button.result", has_text=name)


def test_propose_accept_move_in_and_the_map_follows(new_page):
    shelter_name = unique("Notunterkunft Iburg")
    caseworker = new_page(viewport={"width": 1300, "height": 900})
    log_in(caseworker, CASEWORKER, DEMO_PASSWORD)
    caseworker.goto("/")
    household_id = _housed_household(caseworker, shelter_name)

    landlord = new_page(viewport={"width": 1300, "height": 900})
    csrf = sign_in(landlord, LANDLORD)
    flat = create_listing(
        landlord.request, csrf, kind="flat", title=unique("Wohnung am Schloss"),
        address={"street": "Am Gografenhof 2", "postal_code": "49186", "city": "Bad Iburg"},
        location={"lat": 52.1601, "lon": 8.0490}, rooms=3, max_occupants=4,
        rent_cold="480.00", utilities="140.00")

    official = new_page(viewport={"width": 1300, "height": 850})
    sign_in(official, OFFICIAL_LINGEN)
    official.goto(f"/map?at=15/{IBURG['lat']}/{IBURG['lon']}")
    expect(official.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    expect(_shelter_on_map(official, shelter_name)).to_contain_text("2 freie Betten")

    # The caseworker proposes the household for the flat from the household's page.
    caseworker.goto(f"/households/{household_id}")
    caseworker.get_by_test_id("propose-listing-id").fill(str(flat["id"]))
    caseworker.locator("textarea[name=message]").fill("Mutter mit Sohn, ab sofort.")
    caseworker.get_by_test_id("propose").click()
    expect(caseworker).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_id = int(caseworker.url.rsplit("/", 1)[1])
    expect(caseworker.get_by_test_id("proposal-state")).to_have_text("Vorgeschlagen")

    # The landlord, in a second browser context, sees the household without names and
    # accepts from the incoming proposals.
    landlord.goto("/proposals")
    row = landlord.get_by_test_id(f"proposal-{proposal_id}")
    expect(row).to_contain_text(flat["title"])
    landlord.goto(f"/proposals/{proposal_id}")
    household = landlord.get_by_test_id("proposal-household")
    expect(household).to_contain_text("fa")
    expect(household).not_to_contain_text("Nazari")
    landlord.get_by_test_id(f"accept-{proposal_id}").click()
    expect(landlord.get_by_test_id("proposal-state")).to_have_text("Angenommen")

    # The caseworker marks the household moved in: the beds are free, the flat is let.
    caseworker.reload()
    expect(caseworker.get_by_test_id("proposal-state")).to_have_text("Angenommen")
    caseworker.get_by_test_id(f"moved_in-{proposal_id}").click()
    expect(caseworker.get_by_test_id("proposal-state")).to_have_text("Eingezogen")

    # The official's open map follows by itself.
    expect(_shelter_on_map(official, shelter_name)).to_contain_text("4 freie Betten")
    official.screenshot(path="/tmp/placement-map-after.png")
