"""Every page's ES modules load and run: a module that fails to load (a wrong path, a name
it imports that is not exported) stops its page's script without a visible error, so each
page is opened and must log no error to the console, raise nothing, and (for a signed-in
user) have the bell's shared socket connected, which only happens when the module graph
ran."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, log_in
from tests.e2e.test_security import CASEWORKER, LANDLORD, OFFICIAL

VIEWPORT = {"width": 1300, "height": 900}


def _watch(page: Page) -> list[str]:
    """Console errors (a module that failed to load is one) and uncaught exceptions."""
    seen: list[str] = []
    def console(message) -> None:
        # The API docs' page (Swagger UI's template) names no icon: the browser asks anyway.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            seen.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def _open(page: Page, seen: list[str], path: str, ready: str, *, bell: bool = True) -> None:
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible()
    if bell:  # pages of base.html; the API docs have a page of their own
        page.wait_for_function("() => window.exchangeSocket && window.exchangeSocket.connected")
    page.wait_for_load_state("networkidle")
    assert seen == [], f"{path}: {seen}"


def _signed_in(new_page, email: str) -> tuple[Page, list[str]]:
    page = new_page(viewport=VIEWPORT)
    seen = _watch(page)
    log_in(page, email, DEMO_PASSWORD)
    return page, seen


def _open_each(page: Page, seen: list[str], pages: list[tuple[str, str]]) -> None:
    for path, ready in pages:
        _open(page, seen, path, ready)


def test_the_official_pages_run_their_modules(new_page):
    official, seen = _signed_in(new_page, OFFICIAL)
    _open_each(official, seen, [
        ("/", "main h1"),
        ("/map", "[data-testid=result-count]:not(:empty)"),
        ("/directory", "#directory-map path.leaflet-interactive"),
        ("/chat", "[data-testid=livestate][data-live=true]"),
        ("/concepts/new", "[data-testid=concept-preview]"),
        ("/transfers", "main h1"),
        ("/notifications", "main h1"),
    ])
    _open(official, seen, "/api/v1/docs", ".swagger-ui .info .title", bell=False)
    listing = official.request.get("/api/v1/listings?limit=1").json()["items"][0]
    _open(official, seen, f"/listings/{listing['id']}", "[data-testid=detail-title]")


def test_the_caseworker_pages_run_their_modules(new_page):
    caseworker, seen = _signed_in(new_page, CASEWORKER)
    _open_each(caseworker, seen, [
        ("/persons", "[data-testid=person-row]"),
        ("/registry/import", "main h1"),
        ("/capacity", "main h1"),
        ("/shelters", "[data-testid=livestate][data-live=true]"),
    ])
    caseworker.get_by_test_id("plan-link").first.click()
    expect(caseworker.locator("#plan .bed").first).to_be_visible()
    caseworker.wait_for_load_state("networkidle")
    assert seen == [], f"shelter plan: {seen}"
    person = caseworker.request.get("/api/v1/persons?limit=1").json()["items"][0]
    _open(caseworker, seen, f"/persons/{person['id']}", "[data-testid=activity], #activities li")


def test_the_landlord_pages_run_their_modules(new_page):
    landlord, seen = _signed_in(new_page, LANDLORD)
    _open(landlord, seen, "/listings/new", "#pinmap.leaflet-container")
    csrf = landlord.locator('meta[name="csrf-token"]').get_attribute("content")
    draft = landlord.request.post("/api/v1/listings", headers={"X-CSRFToken": csrf}, data={
        "kind": "flat", "title": "Zwei Zimmer zum Prüfen", "publish": False, "max_occupants": 2,
        "address": {"street": "Am Wall 3", "postal_code": "49808", "city": "Lingen (Ems)"},
        "location": {"lat": 52.5235, "lon": 7.3165},
    })
    assert draft.status == 201, draft.text()
    _open(landlord, seen, f"/listings/{draft.json()['id']}/edit", "#listing-form:not([aria-busy])")
