"""The browser side of the security headers and of output encoding: an organisation named
like an HTML element shows as text on the directory map and runs nothing; the main pages
work under the Content-Security-Policy without a single violation."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, START_URL, log_in

PLATFORM_ADMIN = "admin@exchange.example"
OFFICIAL = "fluechtlinge@lk-osnabrueck.example"
CASEWORKER = "sozialamt@lk-osnabrueck.example"
LANDLORD = "vermietung@wohnbau-emsland.example"
WIDE = {"width": 1300, "height": 900}
HOSTILE_NAME = '<img src=x onerror="window.__xss=1">'

# Every CSP violation the page reports, kept in the page (it survives until navigation).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " "
    + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def _watch(page: Page) -> list[str]:
    """Collect CSP complaints from the console (Chromium logs every refusal) and errors."""
    seen: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def _watched(new_page, email: str, **options) -> tuple[Page, list[str]]:
    """A new page (``options`` for new_page) signed in as that demo user, its CSP complaints
    collected (see _watch)."""
    page = new_page(**options)
    seen = _watch(page)
    log_in(page, email, DEMO_PASSWORD)
    return page, seen


def _assert_no_violation(page: Page, seen: list[str], where: str) -> None:
    reported = page.evaluate("window.__cspViolations || []")
    assert reported == [] and seen == [], f"{where}: {reported} {seen}"


def test_a_hostile_organisation_name_is_shown_as_text_on_the_directory_map(new_page):
    admin = new_page()
    log_in(admin, PLATFORM_ADMIN, DEMO_PASSWORD)
    expect(admin).to_have_url(START_URL)
    token = admin.locator('meta[name="csrf-token"]').get_attribute("content")
    created = admin.request.post("/api/v1/organizations", headers={"X-CSRFToken": token},
                                 data={"name": HOSTILE_NAME, "kind": "municipality",
                                       "location": {"lat": 52.35, "lon": 8.1}})
    assert created.status == 201, created.text()

    viewer, seen = _watched(new_page, OFFICIAL)
    viewer.goto("/directory?q=__xss")
    expect(viewer.locator("main table tbody tr")).to_have_count(1)
    expect(viewer.locator("main table tbody")).to_contain_text(HOSTILE_NAME)

    marker = viewer.locator("#directory-map path.leaflet-interactive")
    expect(marker).to_have_count(1)
    marker.hover()
    tooltip = viewer.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(HOSTILE_NAME)
    marker.click()
    popup = viewer.locator(".leaflet-popup-content a")
    expect(popup).to_have_text(HOSTILE_NAME)
    expect(popup).to_have_attribute("href", re.compile(r"^/directory/\d+$"))
    # The name never became an element, so nothing ran (and the CSP had nothing to block).
    expect(viewer.locator("#directory-map img[src=x]")).to_have_count(0)
    assert viewer.evaluate("window.__xss") is None
    _assert_no_violation(viewer, seen, "/directory")


def _visit(page: Page, seen: list[str], path: str, ready: str) -> None:
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    _assert_no_violation(page, seen, path)


def _visit_all(page: Page, seen: list[str], stops: list[tuple[str, str]]) -> None:
    """_visit each (path, ready) in turn."""
    for path, ready in stops:
        _visit(page, seen, path, ready)


def test_main_pages_run_under_the_policy_without_a_violation(new_page):
    official, seen = _watched(new_page, OFFICIAL, viewport=WIDE)
    _visit_all(official, seen, [
        ("/", "main h1"),
        ("/map", "#map.leaflet-container"),
        ("/directory", "#directory-map path.leaflet-interactive"),
        ("/chat", "main"),
        ("/concepts", "main h1"),
        ("/concepts/new", "[data-testid=concept-preview]"),
        ("/transfers", "main h1"),
        ("/profile", "main h1"),
        ("/api/v1/docs", ".swagger-ui .info .title"),
    ])
    # the start page's trend chart was drawn (Chart.js from a static file, not inline)
    official.goto("/")
    trend = official.get_by_test_id("start-trend")
    if trend.count():
        expect(trend).to_have_attribute("style", re.compile("width"))

    caseworker, seen = _watched(new_page, CASEWORKER, viewport=WIDE)
    _visit_all(caseworker, seen, [
        ("/persons", "main h1"), ("/registry/import", "main h1"), ("/capacity", "main h1"),
        ("/shelters", ".occbar"),
    ])
    # The occupancy bars got their widths from data-share, with no style attribute sent.
    widths = caseworker.locator(".occbar .occ-occupied").evaluate_all(
        "parts => parts.map(part => part.style.width)")
    assert widths and all(width.endswith("%") for width in widths)
    caseworker.get_by_test_id("plan-link").first.click()
    expect(caseworker.locator(".occbar").first).to_be_visible()
    caseworker.wait_for_load_state("networkidle")
    _assert_no_violation(caseworker, seen, "shelter plan")

    landlord, seen = _watched(new_page, LANDLORD, viewport=WIDE)
    _visit_all(landlord, seen, [("/listings/new", "#pinmap.leaflet-container"), ("/", "main h1")])
