"""The capacity pages in the browser: a caseworker assigns a free bed by picking a person on
the room plan, and an official of another organisation sees the published free beds of
that shelter change on the map without reloading; the import page uploads a CSV and shows
its report; person detail with activities; the district dashboard's trend chart.

Works on the demo data (exchange seed-demo): Gemeinschaftsunterkunft Hesepe (Stadt
Bramsche, Landkreis Osnabrück) publishes its free beds minus one in reserve.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.dates import iso
from tests.e2e.test_foundation import log_in
from tests.e2e.test_listings_map import DEMO_PASSWORD, OFFICIAL_LINGEN, SCREENSHOTS, sign_in

CASEWORKER = "sozialamt@lk-osnabrueck.example"
SHELTER = "Gemeinschaftsunterkunft Hesepe"


def free_beds_on_map(page: Page):
    return page.get_by_test_id("results").locator("button.result", has_text=SHELTER)


def open_room_plan(page: Page) -> None:
    page.get_by_test_id("nav-shelters").click()
    shelter = page.locator(".shelter", has_text=SHELTER)
    expect(shelter.locator(".occbar")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/capacity-shelters.png", full_page=True)
    shelter.get_by_test_id("plan-link").click()
    expect(page.locator("main h1")).to_have_text(SHELTER)
    expect(page.locator(".bed").first).to_be_visible()


def room(page: Page, name: str):
    heading = page.locator(".roomhead strong", has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator(".room", has=heading)


def test_assign_a_bed_and_the_map_of_another_organisation_follows(new_page):
    official = new_page(viewport={"width": 1300, "height": 850})
    sign_in(official, OFFICIAL_LINGEN)
    official.goto("/map?at=14/52.4337/7.9650")
    expect(official.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    expect(free_beds_on_map(official)).to_contain_text("7 freie Betten")

    caseworker = new_page(viewport={"width": 1300, "height": 900})
    log_in(caseworker, CASEWORKER, DEMO_PASSWORD)
    open_room_plan(caseworker)
    expect(caseworker.get_by_test_id("free-published")).to_have_text("7")
    expect(caseworker.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    # Caseworkers see who sleeps where.
    expect(room(caseworker, "1.01")).to_contain_text("Beispiel, Amira")
    expect(room(caseworker, "2.01").locator('.bed[data-state="blocked"]')).to_contain_text(
        "Wasserschaden"
    )

    # A free bed in the women's room: pick Mariam Testfeld from the search.
    women = room(caseworker, "1.02")
    free = women.locator('.bed[data-state="free"]').first
    bed_id = free.get_attribute("data-bed-id")
    free.click()
    panel = caseworker.get_by_test_id("bed-panel")
    expect(panel).to_be_visible()
    panel.get_by_test_id("person-search").fill("Testfeld")
    pick = panel.get_by_test_id("pick-person").filter(has_text="Testfeld, Mariam")
    expect(pick).to_contain_text("nicht untergebracht")
    caseworker.screenshot(path=f"{SCREENSHOTS}/capacity-plan-assign.png", full_page=True)
    pick.click()

    bed = caseworker.locator(f'.bed[data-bed-id="{bed_id}"]')
    expect(bed).to_have_attribute("data-state", "occupied")
    expect(bed).to_contain_text("Testfeld, Mariam")
    expect(caseworker.get_by_test_id("free-published")).to_have_text("6")
    expect(caseworker.get_by_test_id("shelter-bar").locator("xpath=..")).to_contain_text("6")
    caseworker.screenshot(path=f"{SCREENSHOTS}/capacity-plan.png", full_page=True)

    # The other organisation's map follows by itself.
    expect(free_beds_on_map(official)).to_contain_text("6 freie Betten")
    official.screenshot(path=f"{SCREENSHOTS}/capacity-map-after.png")

    # Move her to the mixed room, then check her out: the plan and the figure follow.
    bed.click()
    panel.get_by_test_id("move-bed").click()
    target = room(caseworker, "2.01").locator('.bed[data-state="free"]').first
    target_id = target.get_attribute("data-bed-id")
    expect(target).to_have_class(re.compile(r"\btarget\b"))
    caseworker.screenshot(path=f"{SCREENSHOTS}/capacity-plan-move.png", full_page=True)
    target.click()
    moved = caseworker.locator(f'.bed[data-bed-id="{target_id}"]')
    expect(moved).to_contain_text("Testfeld, Mariam")
    expect(bed).to_have_attribute("data-state", "free")

    caseworker.once("dialog", lambda dialog: dialog.accept())
    moved.click()
    panel.get_by_test_id("check-out").click()
    expect(moved).to_have_attribute("data-state", "free")
    expect(caseworker.get_by_test_id("free-published")).to_have_text("7")
    expect(free_beds_on_map(official)).to_contain_text("7 freie Betten")

    # Block a bed with a reason and unblock it again.
    moved.click()
    panel.get_by_test_id("block-reason").fill("Matratze fehlt")
    panel.get_by_test_id("block-bed").click()
    expect(moved).to_have_attribute("data-state", "blocked")
    expect(moved).to_contain_text("Matratze fehlt")
    expect(caseworker.get_by_test_id("free-published")).to_have_text("6")
    moved.click()
    panel.get_by_test_id("unblock-bed").click()
    expect(moved).to_have_attribute("data-state", "free")
    expect(caseworker.get_by_test_id("free-published")).to_have_text("7")


def test_import_person_activities_and_dashboard(new_page):
    page = new_page(viewport={"width": 1300, "height": 900})
    log_in(page, CASEWORKER, DEMO_PASSWORD)

    # Import: two new persons, one of whom looks like a person registered already.
    page.goto("/registry/import")
    page.locator("select[name=organization_id]").select_option(label="Landkreis Osnabrück")
    csv = (
        "external_id;family_name;given_names;birth_date;gender;nationality;languages;"
        "arrival_date;household_ref\n"
        f"E2E-0001;Beispiel;Amira;1988-03-14;f;SYR;ar;{iso(-36)};\n"
        f"E2E-0002;Nachname;Vorname;1970-01-01;m;SYR;ar de;{iso(-35)};E2E-H1\n"
    )
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": "registry.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_test_id("import-submit").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible()
    expect(report.get_by_test_id("report-created")).to_have_text("2")
    expect(report.get_by_test_id("report-errors")).to_have_text("0")
    expect(report.get_by_test_id("report-duplicates").locator("tr")).to_have_count(1)
    expect(report.get_by_test_id("report-duplicates")).to_contain_text("Beispiel, Amira")
    page.screenshot(path=f"{SCREENSHOTS}/capacity-import.png", full_page=True)

    # The same file again changes nothing.
    page.get_by_test_id("import-submit").click()
    expect(report.get_by_test_id("report-unchanged")).to_have_text("2")
    expect(report.get_by_test_id("report-created")).to_have_text("0")

    expect(report.get_by_test_id("report-encoding")).to_have_text("Gelesen als UTF-8.")

    # A bad row in what German Excel saves (Windows-1252, German headers, d.m.yyyy): nothing
    # written, the row and the column as the file names it are shown, and how it was read.
    bad = (
        "Aktenzeichen;Familienname;Vorname;Geburtsdatum;Geschlecht;Staatsangehörigkeit;"
        "Sprachen;Ankunftsdatum;Haushalt\n"
        f"E2E-0003;Größe;Jürgen;1.2.1970;q;DEU;de;{iso(-35)};\n"
    )
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode("cp1252")}]
    )
    page.get_by_test_id("import-submit").click()
    expect(report.get_by_test_id("report-error-rows")).to_contain_text("Geschlecht")
    expect(report.get_by_test_id("report-encoding")).to_have_text("Gelesen als Windows-1252.")
    expect(report.get_by_test_id("report-created")).to_have_text("0")
    page.screenshot(path=f"{SCREENSHOTS}/capacity-import-errors.png", full_page=True)

    # Person search and detail: add an activity, mark it done.
    page.goto("/persons")
    page.get_by_test_id("person-q").fill("Beispil")  # misspelt: found all the same
    expect(page.get_by_test_id("person-row")).to_have_count(4)
    page.get_by_test_id("person-q").fill("Beispiel")
    expect(page.get_by_test_id("person-row")).to_have_count(4)
    page.get_by_test_id("person-row").filter(has_text="Lina").get_by_role("link").click()
    expect(page.get_by_test_id("person-name")).to_have_text("Beispiel, Lina")
    expect(page.get_by_test_id("person-housing")).to_contain_text(SHELTER)
    activities = page.get_by_test_id("activities")
    expect(activities).to_contain_text("Grundschule Hesepe")
    form = page.get_by_test_id("new-activity")
    form.locator("select[name=kind]").select_option("vaccination")
    form.locator("input[name=title]").fill("Masern")
    form.locator("input[name=due_date]").fill(iso(7))  # due, not yet overdue
    form.locator("button[type=submit]").click()
    added = activities.get_by_test_id("activity").filter(has_text="Masern")
    expect(added.get_by_test_id("activity-status")).to_have_text("offen")
    added.get_by_test_id("activity-toggle").click()
    expect(added.get_by_test_id("activity-status")).to_have_text("erledigt")
    page.screenshot(path=f"{SCREENSHOTS}/capacity-person.png", full_page=True)

    # The district dashboard: totals, municipalities, the trend chart from the snapshots.
    page.goto("/capacity")
    expect(page.locator("main h1")).to_contain_text("Landkreis Osnabrück")
    expect(page.get_by_test_id("municipalities")).to_contain_text("Stadt Bramsche")
    expect(page.get_by_test_id("trend")).to_have_attribute("data-points", re.compile(r"^\d+$"))
    expect(page.get_by_test_id("trend-empty")).to_be_hidden()
    page.screenshot(path=f"{SCREENSHOTS}/capacity-dashboard.png", full_page=True)
