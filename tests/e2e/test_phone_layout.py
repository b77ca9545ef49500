"""Every page fits a phone (390 x 844 CSS pixels): nothing scrolls sideways (WCAG 2.1
reflow, 1.4.10), the header folds into a menu that a keyboard opens and closes, the map and
the chat show one column with a toggle, and the header's and pages' main controls are at
least 44 px tall (WCAG 2.5.5's target size)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, log_in
from tests.e2e.test_security import CASEWORKER, LANDLORD, OFFICIAL, PLATFORM_ADMIN

PHONE = {"width": 390, "height": 844}
DISTRICT_ADMIN = "kreisadmin@lk-osnabrueck.example"
OFFICIAL_LINGEN = "wohnungsamt@lingen.example"
TOUCH_PX = 44

# A concept whose Markdown has a table with long cells: it must scroll inside itself.
CONCEPT_BODY = """Wie wir Erstaufnahme und Gemeinden abstimmen.

| Schritt | Wer | Was genau geschieht in diesem Schritt der Unterbringung |
| --- | --- | --- |
| 1 | Landkreis | Zuweisung an die Gemeinde mit Ankunftsdatum und Bedarfen der Haushalte |
| 2 | Gemeinde | Wohnung oder Platz in der Gemeinschaftsunterkunft bestätigen |
"""


def _phone(new_page, email: str | None) -> Page:
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    if email:
        log_in(page, email, DEMO_PASSWORD)
    return page


def _csrf(page: Page) -> str:
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def _fits(page: Page, path: str) -> None:
    """The page opened at `path` is no wider than the phone."""
    page.goto(path)
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths[0]} px > {widths[1]} px"


def _big_enough(page: Page, selector: str, where: str) -> int:
    """Every visible element matching `selector` is at least 44 px tall (and wide);
    returns how many were measured."""
    sizes = page.locator(selector).evaluate_all(
        """(els) => els.filter((e) => e.offsetParent !== null).map((e) => {
             const r = e.getBoundingClientRect();
             const name = e.textContent.trim().slice(0, 30) || e.getAttribute('aria-label') || e.id;
             return [name, Math.round(r.width), Math.round(r.height)]; })"""
    )
    small = [size for size in sizes if size[1] < TOUCH_PX or size[2] < TOUCH_PX]
    assert not small, f"{where}: targets under {TOUCH_PX} px: {small}"
    return len(sizes)


def _header_targets(page: Page) -> None:
    """The header's bar: brand, bell and menu button; the open menu's links and buttons."""
    assert _big_enough(page, "header.topbar .topbar-bar a, header.topbar .topbar-bar button",
                       "header bar") >= 2
    toggle = page.get_by_test_id("menu-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    _big_enough(page, "#site-menu a, #site-menu button", "open menu")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def _main_actions(page: Page, path: str) -> None:
    _big_enough(page, "main .kern-btn", f"main actions of {path}")


def _each(page: Page, paths: list[str]) -> None:
    for path in paths:
        _fits(page, path)
        _main_actions(page, path)


def test_the_menu_folds_and_opens_by_keyboard(new_page):
    page = _phone(new_page, OFFICIAL)
    page.goto("/")
    toggle = page.get_by_test_id("menu-toggle")
    menu = page.get_by_test_id("site-menu")
    # One line of header: brand, bell and the menu button; the navigation is folded away.
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "site-menu")
    expect(menu).to_be_hidden()
    header_height = page.locator("header.topbar").bounding_box()["height"]
    assert header_height <= 64, f"the folded header is {header_height} px tall"

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_test_id("nav-chat")).to_be_visible()
    expect(menu.get_by_test_id("logout")).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.locator("a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(menu).to_be_hidden()
    page.keyboard.press("Space")
    expect(menu.get_by_test_id("nav-chat")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    _header_targets(page)

    # Wide screens show the navigation in the header and no menu button.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(toggle).to_be_hidden()
    expect(menu.get_by_test_id("nav-chat")).to_be_visible()


def test_the_official_pages_fit_a_phone(new_page):
    page = _phone(new_page, OFFICIAL)
    csrf = _csrf(page)
    concept = page.request.post("/api/v1/concepts", headers={"X-CSRFToken": csrf}, data={
        "title": "Abstimmung der Zuweisungen zwischen Landkreis und Gemeinden",
        "summary": "Ablauf in zwei Schritten", "body": CONCEPT_BODY, "topics": ["Zuweisung"],
    })
    assert concept.status == 201, concept.text()
    listing = page.request.get("/api/v1/listings?limit=1").json()["items"][0]
    page.goto("/directory")
    organization = page.locator("main a[href^='/directory/']").first.get_attribute("href")
    _each(page, [
        "/", "/map", f"/listings/{listing['id']}", "/chat", "/concepts", "/concepts/new",
        f"/concepts/{concept.json()['id']}", "/transfers", "/directory", organization,
        "/profile", "/notifications",
    ])
    # The Markdown table has borders and scrolls inside itself.
    page.goto(f"/concepts/{concept.json()['id']}")
    table = page.locator(".markdown table")
    expect(table).to_be_visible()
    border = table.evaluate("(t) => getComputedStyle(t.querySelector('td')).borderTopStyle")
    assert border == "solid"


def test_the_caseworker_pages_fit_a_phone(new_page):
    page = _phone(new_page, CASEWORKER)
    page.goto("/shelters")
    shelter = page.get_by_test_id("plan-link").first.get_attribute("href")
    person = page.request.get("/api/v1/persons?limit=1").json()["items"][0]
    _each(page, ["/", "/shelters", shelter, "/persons", f"/persons/{person['id']}",
                 "/registry/import", "/capacity", "/transfers"])


def test_the_landlord_and_admin_pages_fit_a_phone(new_page):
    landlord = _phone(new_page, LANDLORD)
    _each(landlord, ["/", "/map", "/listings/new", "/chat", "/profile", "/directory"])

    admin = _phone(new_page, DISTRICT_ADMIN)
    admin.goto("/")
    members = admin.locator("main a[href$='/members']").first.get_attribute("href")
    _each(admin, ["/", members, "/directory"])

    platform = _phone(new_page, PLATFORM_ADMIN)
    _each(platform, ["/", "/directory"])

    anonymous = _phone(new_page, None)
    _each(anonymous, ["/login", "/register"])


def test_map_and_chat_show_one_column_with_a_toggle(new_page):
    page = _phone(new_page, OFFICIAL)
    page.goto("/map")
    expect(page.get_by_test_id("result-count")).not_to_be_empty()
    show_list, show_map = page.get_by_test_id("show-list"), page.get_by_test_id("show-map")
    expect(show_list).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("results")).to_be_visible()
    expect(page.get_by_test_id("map")).to_be_hidden()
    show_map.click()
    expect(show_map).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("results")).to_be_hidden()
    box = page.get_by_test_id("map").bounding_box()
    assert box["width"] >= 350 and box["height"] >= 300, f"the map is {box}"
    show_list.click()
    expect(page.get_by_test_id("results")).to_be_visible()
    _big_enough(page, "[data-view-choice]", "map view toggle")

    # Chat: the rooms first; opening one shows the conversation with a usable composer.
    csrf = _csrf(page)
    lena = page.request.get("/api/v1/chat/people?q=Lena").json()
    lena_id = (lena["items"] if isinstance(lena, dict) else lena)[0]["id"]
    room = page.request.post("/api/v1/rooms", headers={"X-CSRFToken": csrf}, data={
        "kind": "group", "name": "Telefon-Test", "member_ids": [lena_id]})
    assert room.status == 201, room.text()
    page.goto("/chat")
    expect(page.get_by_test_id("show-rooms")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("composer")).to_be_hidden()
    page.get_by_test_id("room-list").locator(f'[data-room-id="{room.json()["id"]}"]').click()
    expect(page.get_by_test_id("show-conversation")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("room-list")).to_be_hidden()
    expect(page.get_by_test_id("composer")).to_be_visible()
    composer = page.get_by_test_id("composer-input").bounding_box()
    assert composer["width"] >= 180, f"the composer is {composer['width']} px wide"
    _big_enough(page, "#composer-send, [data-view-choice]", "chat controls")
    page.get_by_test_id("show-rooms").click()
    expect(page.get_by_test_id("room-list")).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
