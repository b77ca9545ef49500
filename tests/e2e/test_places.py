"""Place and radius search in the browser, over the offline gazetteer: the map's search box
(typed and chosen by keyboard), the "Umkreis" that lists the nearest first, place names on
the map without tiles, and the listing form's pin that follows the postcode."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_listings_map import (
    OFFICIAL_OSNABRUECK,
    SCREENSHOTS,
    create_listing,
    result_item,
    sign_in,
    unique,
)


def _listing(page, csrf: str, title: str, city: str, postal_code: str, lat: float, lon: float):
    return create_listing(
        page.request, csrf, kind="flat", title=unique(title),
        address={"street": "Hauptstraße 1", "postal_code": postal_code, "city": city},
        location={"lat": lat, "lon": lon}, rooms=2, area_m2=50, max_occupants=2,
        rent_cold="400.00", utilities="100.00", accessible=False,
    )


def test_search_a_town_and_list_what_lies_within_25_km_nearest_first(new_page):
    page = new_page(viewport={"width": 1400, "height": 900})
    csrf = sign_in(page, OFFICIAL_OSNABRUECK)
    # Osnabrück's centre, then Bramsche (~15 km), Melle (~22 km) and Lingen (~50 km).
    centre = _listing(page, csrf, "Wohnung Neumarkt", "Osnabrück", "49074", 52.2735, 8.0466)
    bramsche = _listing(page, csrf, "Wohnung Bramsche", "Bramsche", "49565", 52.4086, 7.9858)
    melle = _listing(page, csrf, "Wohnung Melle", "Melle", "49324", 52.2031, 8.3361)
    lingen = _listing(page, csrf, "Wohnung Lingen", "Lingen (Ems)", "49808", 52.5233, 7.3172)

    page.goto("/map")
    search = page.get_by_role("combobox", name="Ort oder Postleitzahl suchen")
    search.fill("Osnabrück")
    options = page.get_by_test_id("place-results").get_by_role("option")
    expect(options.first).to_contain_text("Osnabrück")
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", re.compile(r"place-results-0"))
    search.press("Enter")
    expect(search).to_have_value("Osnabrück")
    expect(page.get_by_test_id("place-results")).to_be_hidden()

    page.get_by_label("Umkreis").select_option("25")
    expect(page.get_by_test_id("radius-note")).to_have_text(
        "Im Umkreis von 25 km um Osnabrück, die nächsten zuerst.")
    for listing in (centre, bramsche, melle):
        expect(result_item(page, listing["id"])).to_be_visible()
    expect(result_item(page, lingen["id"])).to_have_count(0)
    shown = [int(i) for i in page.get_by_test_id("results").locator("[data-listing-id]")
             .evaluate_all("(els) => els.map((e) => e.dataset.listingId)")]
    ours = [i for i in shown if i in (centre["id"], bramsche["id"], melle["id"])]
    assert ours == [centre["id"], bramsche["id"], melle["id"]], shown
    expect(result_item(page, melle["id"])).to_contain_text("km entfernt")
    assert "radius_km=25" in page.url and "near=" in page.url
    # Without tiles the map still names its places (the gazetteer's, largest first).
    expect(page.locator(".place-label span").get_by_text("Osnabrück", exact=True)).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/map-radius.png")

    # Back to the map area: Lingen's listing is on the map again when the map shows it.
    page.get_by_label("Umkreis").select_option("")
    expect(page.get_by_test_id("radius-note")).to_be_hidden()


def test_a_postcode_finds_its_place_in_the_search_box(new_page):
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in(page, OFFICIAL_OSNABRUECK)
    page.goto("/map")
    # A phone shows the list or the map; the place search is on the map.
    page.get_by_test_id("show-map").click()
    search = page.get_by_role("combobox", name="Ort oder Postleitzahl suchen")
    search.fill("49565")
    expect(page.get_by_test_id("place-results").get_by_role("option").first).to_contain_text(
        "49565 Bramsche")
    page.get_by_test_id("place-results").get_by_role("option").first.click()
    expect(page).to_have_url(re.compile(r"at=13%2F52\.4"))


def test_the_listing_form_pin_follows_the_postcode(new_page):
    page = new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, OFFICIAL_OSNABRUECK)
    page.goto("/listings/new")
    lat_field, lon_field = page.get_by_test_id("field-lat"), page.get_by_test_id("field-lon")
    page.locator("input[name=postal_code]").fill("49565")
    expect(lat_field).to_have_value(re.compile(r"^52\.4"))
    assert abs(float(lon_field.input_value()) - 7.97) < 0.05
    expect(page.locator("input[name=city]")).to_have_value("Bramsche")
    expect(page.locator(".leaflet-marker-icon.leaflet-marker-draggable")).to_be_visible()

    # Another postcode moves it on: the pin follows what is typed.
    page.locator("input[name=postal_code]").fill("49074")
    expect(lat_field).to_have_value(re.compile(r"^52\.2"))


def test_without_tiles_the_map_says_where_it_is_at_street_zoom(new_page):
    page = new_page(viewport={"width": 1200, "height": 800})
    sign_in(page, OFFICIAL_OSNABRUECK)
    page.goto("/map?at=16/52.2735/8.0466")
    expect(page.get_by_test_id("map-where")).to_have_text(
        re.compile(r"^490\d\d Osnabrück, Niedersachsen$"))
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("GeoNames")
    page.goto("/map?at=13/52.2735/8.0466")
    expect(page.locator(".place-postcode span").first).to_have_text(re.compile(r"^49\d{3}$"))
    page.screenshot(path=f"{SCREENSHOTS}/map-street-zoom.png")
