"""Proposals in the browser (issue 18, points 3 and 5): a caseworker records where a
household housed in a published shelter looks for a flat, finds a landlord's fitting flat
in the matching list of the household's page and proposes it from there, the landlord
accepts in a second browser context (seeing no names), the caseworker marks the household
moved in, and the freed beds appear on an official's open map without a reload.

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
#: A point in Melle, whose demo rent limits allow 540 EUR and 65 m² for two (demo_placement).
MELLE = {"lat": 52.2040, "lon": 8.3300}


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
        landlord.request, csrf, kind="flat", title=unique("Wohnung am Markt"),
        address={"street": "Markt 3", "postal_code": "49324", "city": "Melle"},
        location=MELLE, rooms=2, area_m2="50.00", max_occupants=3,
        rent_cold="400.00", utilities="120.00")
    too_dear = create_listing(
        landlord.request, csrf, kind="flat", title=unique("Wohnung am Markt, teuer"),
        address={"street": "Markt 5", "postal_code": "49324", "city": "Melle"},
        location=MELLE, rooms=2, area_m2="50.00", max_occupants=3,
        rent_cold="480.00", utilities="120.00")

    official = new_page(viewport={"width": 1300, "height": 850})
    sign_in(official, OFFICIAL_LINGEN)
    official.goto(f"/map?at=15/{IBURG['lat']}/{IBURG['lon']}")
    expect(official.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    expect(_shelter_on_map(official, shelter_name)).to_contain_text("2 freie Betten")

    # The caseworker records that the household looks in Melle (the old matching address
    # leads to the household's one page) and finds the flat in its matching list: the one
    # within the limit for two, not the one above it.
    caseworker.goto(f"/placement/households/{household_id}")
    expect(caseworker).to_have_url(re.compile(rf"/households/{household_id}$"))
    needs = caseworker.get_by_test_id("household-needs")
    needs.locator("select[name=assigned_municipality_id]").select_option(label="Stadt Melle")
    needs.locator("input[name=radius_km]").fill("5")
    needs.get_by_role("button").click()
    flats = caseworker.get_by_test_id("fitting-flats")
    expect(flats.get_by_test_id(f"fitting-flat-{flat['id']}")).to_contain_text(flat["title"])
    expect(flats.get_by_test_id(f"fitting-flat-{too_dear['id']}")).to_have_count(0)
    flats.get_by_test_id(f"propose-flat-{flat['id']}").click()
    expect(caseworker).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_id = int(caseworker.url.rsplit("/", 1)[1])
    expect(caseworker.get_by_test_id("proposal-state")).to_have_text("Vorgeschlagen")
    caseworker.goto(f"/households/{household_id}")
    expect(caseworker.get_by_test_id("household-proposals")).to_contain_text(flat["title"])
    caseworker.goto(f"/proposals/{proposal_id}")

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
