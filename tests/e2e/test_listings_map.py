"""The listings map in the browser: filter, open a listing, see another user's listing appear
live, and create and edit a listing with the pin.

The live server's database is shared by the whole session, so every test works in its own
corner of the map (a different town) and gives its listings unique titles.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import APIRequestContext, Page, expect

DEMO_PASSWORD = "exchange-demo"
OFFICIAL_OSNABRUECK = "fluechtlinge@lk-osnabrueck.example"
OFFICIAL_LINGEN = "wohnungsamt@lingen.example"
SCREENSHOTS = "/tmp"


def sign_in(page: Page, email: str) -> str:
    """Log the page's browser context in through the API; returns the session's CSRF token."""
    answer = page.request.post(
        "/api/v1/auth/login", data={"email": email, "password": DEMO_PASSWORD}
    )
    assert answer.status == 200, answer.text()
    return answer.json()["csrf_token"]


def create_listing(request: APIRequestContext, csrf: str, **fields) -> dict:
    body = {
        "description": "",
        "publish": True,
        **fields,
    }
    answer = request.post("/api/v1/listings", data=body, headers={"X-CSRFToken": csrf})
    assert answer.status == 201, answer.text()
    return answer.json()


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def result_item(page: Page, listing_id: int):
    return page.get_by_test_id("results").locator(f'[data-listing-id="{listing_id}"]')


def map_pin(page: Page, listing_id: int):
    return page.locator(f'.leaflet-marker-pane .pin [data-listing-id="{listing_id}"]')


def test_filter_the_map_and_open_a_listing(new_page):
    page = new_page(viewport={"width": 1400, "height": 900})
    csrf = sign_in(page, OFFICIAL_OSNABRUECK)
    shelter = create_listing(
        page.request, csrf, kind="beds", title=unique("Notunterkunft Turnhalle Schinkel"),
        description="Turnhalle mit Trennwänden, Verpflegung durch den DRK-Kreisverband.",
        address={"street": "Windthorststraße 40", "postal_code": "49084", "city": "Osnabrück"},
        location={"lat": 52.2812, "lon": 8.0745}, free_beds=14, accessible_beds=2,
        beds_by_policy={"family": 8, "mixed": 6},
    )
    flat = create_listing(
        page.request, csrf, kind="flat", title=unique("2-Zimmer-Wohnung Westerberg"),
        address={"street": "Lotter Straße 12", "postal_code": "49078", "city": "Osnabrück"},
        location={"lat": 52.2745, "lon": 8.0320}, rooms=2, area_m2=54, max_occupants=3,
        rent_cold="420.00", utilities="110.00", accessible=False,
    )

    page.goto("/map?at=13/52.2780/8.0530")
    expect(page.locator(".maptools")).to_have_count(1)
    expect(page.locator("main h1")).to_have_count(1)  # one heading, for screen readers
    expect(result_item(page, shelter["id"])).to_be_visible()
    expect(result_item(page, flat["id"])).to_be_visible()
    expect(map_pin(page, shelter["id"])).to_be_visible()
    expect(map_pin(page, flat["id"])).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/map-unfiltered.png")

    # Free beds for a group of ten: the flat (three occupants) drops out, list and map alike.
    page.get_by_test_id("filter-kind").select_option("beds")
    page.get_by_test_id("filter-min-beds").fill("10")
    expect(result_item(page, flat["id"])).to_have_count(0)
    expect(map_pin(page, flat["id"])).to_have_count(0)
    expect(result_item(page, shelter["id"])).to_be_visible()
    expect(result_item(page, shelter["id"])).to_contain_text("14 freie Betten")
    expect(page).to_have_url(re.compile(r"kind=beds&min_beds=10"))

    # More beds than the shelter has: nothing of ours matches.
    page.get_by_test_id("filter-min-beds").fill("20")
    expect(result_item(page, shelter["id"])).to_have_count(0)

    # A flat for up to 500 € all in: the flat (420 + 110 = 530 €) is too dear, at 550 € fine.
    page.get_by_test_id("filter-reset").click()
    page.get_by_test_id("filter-kind").select_option("flat")
    page.get_by_test_id("filter-max-rent").fill("500")
    expect(result_item(page, flat["id"])).to_have_count(0)
    page.get_by_test_id("filter-max-rent").fill("550")
    expect(result_item(page, flat["id"])).to_be_visible()
    expect(result_item(page, shelter["id"])).to_have_count(0)

    # Open the shelter: its detail replaces the list, its pin is highlighted, the URL names it.
    page.get_by_test_id("filter-reset").click()
    result_item(page, shelter["id"]).click()
    detail = page.get_by_test_id("detail")
    expect(detail).to_be_visible()
    expect(page.get_by_test_id("detail-title")).to_have_text(shelter["title"])
    expect(page.get_by_test_id("detail-status")).to_have_text("Veröffentlicht")
    expect(page.get_by_test_id("detail-facts")).to_contain_text("Freie Betten")
    expect(page.get_by_test_id("detail-facts")).to_contain_text("8 Familien, 6 gemischt")
    expect(page.get_by_test_id("detail-organization")).to_have_text("Landkreis Osnabrück")
    expect(detail).to_contain_text("Windthorststraße 40")
    expect(page.locator(f'.pin.selected [data-listing-id="{shelter["id"]}"]')).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/listings/{shelter['id']}\?"))
    page.screenshot(path=f"{SCREENSHOTS}/map-detail.png")

    # The listing's address opens the map with its detail.
    page.reload()
    expect(page.get_by_test_id("detail-title")).to_have_text(shelter["title"])

    page.get_by_test_id("detail-back").click()
    expect(page.get_by_test_id("detail")).to_be_hidden()
    expect(result_item(page, flat["id"])).to_be_visible()

    # A pin on the map opens its listing too.
    map_pin(page, flat["id"]).click()
    expect(page.get_by_test_id("detail-title")).to_have_text(flat["title"])
    expect(page.get_by_test_id("detail-facts")).to_contain_text("530 €")


def test_a_listing_published_elsewhere_appears_live(new_page):
    watcher = new_page(viewport={"width": 1400, "height": 900})
    sign_in(watcher, OFFICIAL_OSNABRUECK)
    watcher.goto("/map?at=13/52.5230/7.3170")
    expect(watcher.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    expect(watcher.get_by_test_id("result-count")).not_to_be_empty()

    other = new_page()
    csrf = sign_in(other, OFFICIAL_LINGEN)
    title = unique("3-Zimmer-Wohnung am Bahnhof Lingen")
    listing = create_listing(
        other.request, csrf, kind="flat", title=title,
        address={"street": "Bahnhofstraße 5", "postal_code": "49808", "city": "Lingen (Ems)"},
        location={"lat": 52.5219, "lon": 7.3162}, rooms=3, max_occupants=5,
        rent_cold="510.00", utilities="150.00",
    )

    # No reload: the toast says so, and the list and the map show the new listing.
    toast = watcher.get_by_test_id("toast").filter(has_text=title)
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Neues Inserat")
    expect(result_item(watcher, listing["id"])).to_be_visible()
    expect(map_pin(watcher, listing["id"])).to_be_visible()
    watcher.screenshot(path=f"{SCREENSHOTS}/map-live.png")

    # The toast opens it.
    toast.get_by_role("button", name="Anzeigen").click()
    expect(watcher.get_by_test_id("detail-title")).to_have_text(title)

    # Withdrawn elsewhere: it leaves the open map, and the open detail shows the new status.
    answer = other.request.post(
        f"/api/v1/listings/{listing['id']}/withdraw", headers={"X-CSRFToken": csrf}
    )
    assert answer.status == 200, answer.text()
    expect(watcher.get_by_test_id("detail-status")).to_have_text("Zurückgezogen")
    watcher.get_by_test_id("detail-back").click()
    expect(result_item(watcher, listing["id"])).to_have_count(0)
    expect(map_pin(watcher, listing["id"])).to_have_count(0)


def test_create_a_listing_with_the_pin_and_edit_it(new_page):
    page = new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, OFFICIAL_OSNABRUECK)
    page.goto("/map")
    page.get_by_test_id("new-listing").click()
    expect(page).to_have_url(re.compile(r"/listings/new$"))
    # The form's script has run (its pin map is drawn, the submit handler set in the same
    # run): a click before that would be the browser's own submission.
    expect(page.locator("#pinmap.leaflet-container")).to_be_visible()

    # Nothing filled in: the form names what is missing and sends nothing.
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("form-message")).to_be_visible()
    expect(page.get_by_test_id("error-title")).to_be_visible()
    expect(page.get_by_test_id("error-lat")).to_be_visible()

    title = unique("Wohnung in Melle-Mitte")
    page.get_by_test_id("field-title").fill(title)
    page.locator("input[name=street]").fill("Haferstraße 3")
    page.locator("input[name=postal_code]").fill("49324")
    page.locator("input[name=city]").fill("Melle")
    page.get_by_test_id("field-max-occupants").fill("4")
    page.locator("input[name=rooms]").fill("3")
    page.locator("input[name=rent_cold]").fill("480")
    page.locator("input[name=accessible]").check()
    lat_field, lon_field = page.get_by_test_id("field-lat"), page.get_by_test_id("field-lon")
    # The postcode puts the pin on its place first (the map jumps there)...
    expect(lat_field).not_to_have_value("")
    expect(page.locator(".leaflet-marker-icon.leaflet-marker-draggable")).to_be_in_viewport()
    from_postcode = lat_field.input_value()

    # ...a click on the map moves the pin there and fills in the coordinates...
    pin_map = page.get_by_test_id("pin-map")
    box = pin_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    expect(lat_field).not_to_have_value(from_postcode)
    lat_field_before, lon_field_before = lat_field.input_value(), lon_field.input_value()
    clicked = (float(lat_field_before), float(lon_field_before))

    # ...and dragging the pin moves them along (east and north).
    pin = page.locator(".leaflet-marker-icon.leaflet-marker-draggable")
    pin_box = pin.bounding_box()
    start_x, start_y = pin_box["x"] + pin_box["width"] / 2, pin_box["y"] + pin_box["height"] / 2
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x + 40, start_y - 30, steps=8)
    page.mouse.move(start_x + 80, start_y - 60, steps=8)
    page.mouse.up()
    # The fields follow the pin's dragend: wait for them, not for a fixed time.
    expect(lat_field).not_to_have_value(str(lat_field_before))
    expect(lon_field).not_to_have_value(str(lon_field_before))
    dragged = (float(lat_field.input_value()), float(lon_field.input_value()))
    assert dragged[0] > clicked[0] and dragged[1] > clicked[1], (clicked, dragged)
    page.screenshot(path=f"{SCREENSHOTS}/map-form.png", full_page=True)

    page.get_by_test_id("publish").click()
    expect(page).to_have_url(re.compile(r"/listings/\d+\?"))
    listing_id = int(re.search(r"/listings/(\d+)", page.url).group(1))
    expect(page.get_by_test_id("detail-title")).to_have_text(title)
    expect(page.get_by_test_id("detail-status")).to_have_text("Veröffentlicht")
    expect(page.get_by_test_id("detail-facts")).to_contain_text("480 €")

    stored = page.request.get(f"/api/v1/listings/{listing_id}").json()
    assert stored["kind"] == "flat" and stored["max_occupants"] == 4 and stored["accessible"]
    assert abs(stored["location"]["lat"] - dragged[0]) < 1e-5
    assert abs(stored["location"]["lon"] - dragged[1]) < 1e-5

    # Edit: the form comes filled in; a new title and coordinates typed in move the pin.
    page.get_by_test_id("detail-edit").click()
    expect(page).to_have_url(re.compile(rf"/listings/{listing_id}/edit$"))
    expect(page.get_by_test_id("field-title")).to_have_value(title)
    expect(page.get_by_test_id("field-max-occupants")).to_have_value("4")
    page.get_by_test_id("field-title").fill(title + " (renoviert)")
    lat_field.fill("52.2040")
    lon_field.fill("8.3370")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("detail-title")).to_have_text(title + " (renoviert)")
    stored = page.request.get(f"/api/v1/listings/{listing_id}").json()
    assert stored["location"] == {"lat": 52.204, "lon": 8.337}


def test_bad_input_is_shown_at_the_field(new_page):
    page = new_page()
    sign_in(page, OFFICIAL_OSNABRUECK)
    page.goto("/listings/new")
    page.get_by_test_id("field-title").fill(unique("Postleitzahl falsch"))
    postal_code = page.locator("input[name=postal_code]")
    postal_code.fill("4932")  # four digits
    page.locator("input[name=city]").fill("Melle")
    page.get_by_test_id("field-max-occupants").fill("2")
    page.get_by_test_id("field-lat").fill("52.2")
    page.get_by_test_id("field-lon").fill("8.3")

    # The browser's own check names the field...
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("error-postal_code")).to_be_visible()

    # ...and so does the API's answer, for rules only the server knows.
    postal_code.evaluate("input => input.removeAttribute('pattern')")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("error-postal_code")).to_contain_text("five digits")
    expect(page.get_by_test_id("form-message")).to_have_text(re.compile("markierten Felder"))
    expect(page).to_have_url(re.compile(r"/listings/new$"))
