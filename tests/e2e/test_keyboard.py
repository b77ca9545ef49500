"""By keyboard alone (issue 15 point 2): the map search, sending a chat message, checking a
person in to a bed, and accepting a bed request, each with Tab, Enter, Space (and typing,
arrows and Escape where a field or a widget asks for them), never a click. On the way:
the skip link is the first thing Tab reaches; every element Tab stops at shows a focus ring;
the focus moves into what opens (the map's listing detail, the bed panel, the chat's room
dialog, the bell's panel) and back to what opened it when it closes."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_chat import create_room, me, unique
from tests.e2e.test_foundation import DEMO_PASSWORD, log_in
from tests.e2e.test_listings_map import (
    OFFICIAL_LINGEN,
    OFFICIAL_OSNABRUECK,
    create_listing,
    sign_in,
)

WIDE = {"width": 1366, "height": 900}
CASEWORKER = "sozialamt@lk-osnabrueck.example"
EMSLAND_ADMIN = "kreisadmin@emsland.example"

# The focused element's ring: an outline of at least 2 px that is not "none" (the chat's
# text box draws it on its row, :focus-within). Date fields are left out: while Tab walks
# their parts the field reads as having no outline in headless Chromium, though a11y.css
# gives every focused field one.
FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return "nothing focused";
  // A date field's day, month and year take the focus inside it: Chromium marks the part.
  if (element.matches("input[type=date]")) return "";
  const ring = (node) => {
    const style = getComputedStyle(node);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  };
  const row = element.closest(".composer-row");
  if (ring(element) || (row && ring(row))) return "";
  return "no focus ring on " + element.outerHTML.slice(0, 120);
}"""


def _focused(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(s) => Boolean(document.activeElement && document.activeElement.matches(s))", selector)


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 400) -> None:
    """Press Tab (or Shift+Tab) until the focus is on `selector`; every stop on the way must
    show its focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        missing = page.evaluate(FOCUS_RING)
        assert not missing, missing
        if _focused(page, selector):
            return
    raise AssertionError(f"{selector} not reached within {limit} Tab presses")


def expect_focus(page: Page, selector: str) -> None:
    page.wait_for_function(
        "(s) => document.activeElement && document.activeElement.matches(s)", arg=selector)


def skip_to_content(page: Page, text: str = "Zum Inhalt springen") -> None:
    """The first Tab reaches the skip link, Enter moves the focus to the page's content."""
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-link")).to_be_focused()
    expect(page.get_by_test_id("skip-link")).to_have_text(text)
    expect(page.get_by_test_id("skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect_focus(page, "main#main, main#main *")


def test_search_the_map_and_open_a_listing_by_keyboard(new_page):
    page = new_page(viewport=WIDE)
    csrf = sign_in(page, OFFICIAL_OSNABRUECK)
    flat = create_listing(
        page.request, csrf, kind="flat", title=unique("Wohnung Tastatur Dodesheide"),
        address={"street": "Haster Weg 3", "postal_code": "49090", "city": "Osnabrück"},
        location={"lat": 52.2950, "lon": 8.0700}, rooms=2, area_m2=50, max_occupants=2,
        rent_cold="400.00", utilities="90.00", accessible=False,
    )
    people = page.request.get("/api/v1/chat/people?q=bramsche").json()
    people = people["items"] if isinstance(people, dict) else people
    create_room(page, csrf, unique("Teilen"), people[0]["id"])  # a room to share it in
    page.goto("/map")
    expect(page.get_by_test_id("result-count")).not_to_be_empty()
    skip_to_content(page)

    # The filters come first, then the place search: type, pick with the arrows, Enter.
    tab_to(page, "#place-q")
    page.keyboard.type("Osnabrück")
    expect(page.get_by_test_id("place-results").get_by_role("option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("place-search")).to_have_value("Osnabrück")
    # The pick moved the map to the town (zoom 12): wait for that area's results, not the
    # district's that were on the page before.
    expect(page).to_have_url(re.compile(r"at=12(/|%2F)"))
    expect(page.locator("#results-view")).not_to_have_attribute("aria-busy", "true")
    result = f'button.result[data-listing-id="{flat["id"]}"]'
    expect(page.locator(result)).to_be_visible()

    # Back through the map to the result, Enter: the detail opens and takes the focus.
    tab_to(page, result, backwards=True, limit=400)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("detail-title")).to_have_text(flat["title"])
    expect(page.get_by_test_id("detail-title")).to_be_focused()
    # Escape closes it: the focus is back on the listing's result, also after the redraw.
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("detail")).to_be_hidden()
    expect(page.locator(result)).to_be_focused()
    page.wait_for_load_state("networkidle")
    expect(page.locator(result)).to_be_focused()
    # Space opens it too; its "Back" button returns the same way.
    page.keyboard.press("Space")
    expect(page.get_by_test_id("detail-title")).to_be_focused()
    tab_to(page, "[data-testid=detail-back]", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator(result)).to_be_focused()
    # Sharing it: the box takes the focus, its Cancel gives it back to the share button.
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("detail-title")).to_be_focused()
    tab_to(page, "[data-testid=detail-share]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("share-room")).to_be_focused()
    tab_to(page, "[data-testid=share-cancel]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("share-box")).to_have_count(0)
    expect(page.get_by_test_id("detail-share")).to_be_focused()

# Where the map's pane stands, read two frames later: a pan started by the last key press
# (Leaflet animates it frame by frame) has moved it by then.
MAP_POSITION = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(
  () => done(document.querySelector(".leaflet-map-pane").style.transform))))"""


def _centre_lat_putting(lat: float, zoom: int, pixels_below_centre: float) -> float:
    """The map centre's latitude that puts `lat` this many pixels below the centre (Web
    Mercator, 256 px tiles): to place a pin exactly where the test needs it."""
    scale = 256 * 2 ** zoom / (2 * math.pi)
    y = scale * (math.pi - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
    centre_y = y - pixels_below_centre
    return math.degrees(2 * math.atan(math.exp(math.pi - centre_y / scale)) - math.pi / 2)


def test_tabbing_to_a_pin_at_the_edge_keeps_the_map_and_the_list(new_page):
    # A pin whose point is just inside the map's top edge (its icon reaches out of the map):
    # focusing it by keyboard must not pan the map, which would search the new area and
    # rewrite the list under the person tabbing through the pins.
    page = new_page(viewport=WIDE)
    csrf = sign_in(page, OFFICIAL_OSNABRUECK)
    lat, lon = 52.2950, 8.0700
    flat = create_listing(
        page.request, csrf, kind="flat", title=unique("Wohnung am Kartenrand"),
        address={"street": "Haster Weg 5", "postal_code": "49090", "city": "Osnabrück"},
        location={"lat": lat, "lon": lon}, rooms=2, area_m2=50, max_occupants=2,
        rent_cold="400.00", utilities="90.00", accessible=False,
    )
    page.goto("/map")
    height = page.locator("#map").evaluate("(map) => map.clientHeight")
    zoom = 16
    centre = _centre_lat_putting(lat, zoom, 12 - height / 2)  # 12 px below the top edge
    at = f"{zoom}/{centre:.6f}/{lon:.6f}"
    page.goto(f"/map?at={at}")
    pin = f'.leaflet-marker-icon:has([data-listing-id="{flat["id"]}"])'
    expect(page.locator(pin)).to_have_count(1)
    expect(page.locator("#results-view")).not_to_have_attribute("aria-busy", "true")
    url, view = page.url, page.evaluate(MAP_POSITION)
    page.locator("#place-q").focus()
    tab_to(page, pin, backwards=True, limit=100)
    assert page.evaluate(MAP_POSITION) == view
    assert page.url == url
    expect(page.locator(pin)).to_be_focused()
    expect(page.locator(f'button.result[data-listing-id="{flat["id"]}"]')).to_be_visible()


def test_send_a_chat_message_by_keyboard(new_page):
    olga = new_page(viewport=WIDE)
    csrf = sign_in(olga, OFFICIAL_OSNABRUECK)
    lena = new_page(viewport=WIDE)
    sign_in(lena, OFFICIAL_LINGEN)
    room_id = create_room(olga, csrf, unique("Tastatur"), me(lena)["id"])
    olga.goto(f"/chat/{room_id}")
    expect(olga.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    expect(olga.get_by_test_id("composer")).to_be_visible()  # the room has loaded
    skip_to_content(olga)

    # The room dialog: the focus goes to its first field, Escape brings it back.
    tab_to(olga, "#new-room")
    olga.keyboard.press("Enter")
    expect(olga.get_by_test_id("room-dialog")).to_be_visible()
    expect_focus(olga, "#room-dialog input[name=name]")
    olga.keyboard.press("Escape")
    expect(olga.get_by_test_id("room-dialog")).to_be_hidden()
    expect(olga.locator("#new-room")).to_be_focused()

    tab_to(olga, "[data-testid=composer-input]")
    text = unique("Per Tastatur geschrieben")
    olga.keyboard.type(text)
    tab_to(olga, "[data-testid=composer-send]")
    olga.keyboard.press("Enter")
    expect(olga.get_by_test_id("composer-input")).to_have_value("")
    expect(olga.locator(".message", has_text=text)).to_be_visible()
    lena.goto(f"/chat/{room_id}")
    expect(lena.locator(".message", has_text=text)).to_be_visible()


def test_check_a_person_in_to_a_bed_by_keyboard(new_page):
    page = new_page(viewport=WIDE)
    log_in(page, CASEWORKER, DEMO_PASSWORD)
    page.goto("/shelters")
    skip_to_content(page)
    tab_to(page, "[data-testid=plan-link]")
    page.keyboard.press("Enter")
    expect(page.locator(".bed").first).to_be_visible()
    women = page.locator(".room", has=page.locator(".roomhead strong", has_text="1.02"))
    bed_id = women.locator('.bed[data-state="free"]').first.get_attribute("data-bed-id")
    bed = f'.bed[data-bed-id="{bed_id}"]'

    tab_to(page, bed)
    page.keyboard.press("Enter")
    panel = page.get_by_test_id("bed-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("person-search")).to_be_focused()
    page.keyboard.type("Testfeld")
    pick = panel.get_by_test_id("pick-person").filter(has_text="Testfeld, Mariam")
    expect(pick).to_be_visible()
    tab_to(page, "[data-testid=pick-person]")
    page.keyboard.press("Enter")
    expect(page.locator(bed)).to_have_attribute("data-state", "occupied")
    expect(page.locator(bed)).to_contain_text("Testfeld, Mariam")
    expect(page.locator(bed)).to_be_focused()  # back where the panel was opened

    # And out again (the demo's figures stay as they were for the other tests).
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    tab_to(page, "[data-testid=check-out]")
    page.keyboard.press("Enter")
    expect(page.locator(bed)).to_have_attribute("data-state", "free")


def test_accept_a_bed_request_by_keyboard(new_page):
    emsland = new_page(viewport=WIDE)
    log_in(emsland, EMSLAND_ADMIN, DEMO_PASSWORD)
    token = emsland.locator("meta[name=csrf-token]").get_attribute("content")
    beds = create_listing(
        emsland.request, token, kind="beds", title=unique("Notunterkunft Tastatur Lingen"),
        address={"street": "Am Wall 1", "postal_code": "49808", "city": "Lingen (Ems)"},
        location={"lat": 52.5200, "lon": 7.3200}, free_beds=8, beds_by_policy={"mixed": 8},
    )
    official = new_page(viewport=WIDE)
    csrf = sign_in(official, OFFICIAL_OSNABRUECK)
    asked = official.request.post("/api/v1/transfers", headers={"X-CSRFToken": csrf}, data={
        "listing_id": beds["id"], "beds": 2, "message": unique("Zwei Betten, per Tastatur"),
        "until": (date.today() + timedelta(days=10)).isoformat()})
    assert asked.status == 201, asked.text()
    transfer = asked.json()

    emsland.goto("/transfers")
    skip_to_content(emsland)
    tab_to(emsland, f'[data-testid="accept-{transfer["id"]}"]')
    emsland.keyboard.press("Enter")
    row = emsland.get_by_test_id("incoming").locator("tbody tr", has_text=transfer["message"])
    expect(row.locator("[data-field=status]")).to_have_text("Angenommen (Betten reserviert)")


def test_the_bell_panel_takes_the_focus_and_gives_it_back(new_page):
    page = new_page(viewport=WIDE, locale="en-US")
    sign_in(page, OFFICIAL_LINGEN)
    page.goto("/")
    page.wait_for_function("() => window.exchangeSocket && window.exchangeSocket.connected")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-link")).to_be_focused()
    tab_to(page, "#nav-bell")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notification-panel")).to_be_visible()
    expect(page.locator("#nav-bell")).to_have_attribute("aria-expanded", "true")
    expect_focus(page, "#notification-panel, #notification-panel *")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("notification-panel")).to_be_hidden()
    expect(page.locator("#nav-bell")).to_be_focused()
    expect(page.locator("#nav-bell")).to_have_attribute("aria-expanded", "false")
