"""Data-subject rights in the browser (issue 19): a caseworker answers an access request
with the printable disclosure, and an erasure request goes through to the end: the
district's admin (who may erase) erases the record with the reason, and the caseworker no
longer finds the person.

Works on the demo data (exchange seed-demo); uses persons no other browser test touches
(Exempel, Sara and Fiktiv, Hamid: registered, not housed).
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_capacity import CASEWORKER, DEMO_PASSWORD, SCREENSHOTS
from tests.e2e.test_foundation import log_in

DISTRICT_ADMIN = "kreisadmin@lk-osnabrueck.example"


def open_person(page: Page, family_name: str, given_names: str) -> None:
    page.goto("/persons")
    page.get_by_test_id("person-q").fill(family_name)
    row = page.get_by_test_id("person-row").filter(has_text=given_names)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_test_id("person-name")).to_have_text(f"{family_name}, {given_names}")


def test_a_caseworker_answers_an_access_and_an_erasure_request(new_page):
    caseworker = new_page(viewport={"width": 1200, "height": 900})
    log_in(caseworker, CASEWORKER, DEMO_PASSWORD)

    # Access request: the person's page leads to the printable disclosure.
    open_person(caseworker, "Exempel", "Sara")
    caseworker.get_by_test_id("disclosure-link").click()
    disclosure = caseworker.get_by_test_id("disclosure")
    expect(disclosure.locator("h1")).to_contain_text("Art. 15")
    expect(caseworker.get_by_test_id("disclosure-record")).to_contain_text("Exempel, Sara")
    expect(caseworker.get_by_test_id("disclosure-record")).to_contain_text("DEMO-0009")
    # The audit trail names organisation and role, and lists the reads just made.
    audit = caseworker.get_by_test_id("disclosure-audit")
    expect(audit).to_contain_text("Landkreis Osnabrück")
    expect(audit).to_contain_text("Fallbearbeitung")
    expect(caseworker.get_by_test_id("print-disclosure")).to_be_visible()
    caseworker.emulate_media(media="print")
    expect(caseworker.locator("header.topbar")).to_be_hidden()
    expect(caseworker.get_by_test_id("print-disclosure")).to_be_hidden()
    caseworker.screenshot(path=f"{SCREENSHOTS}/rights-disclosure.png", full_page=True)
    caseworker.emulate_media(media="screen")
    # The same as JSON for the machine-readable copy.
    answer = caseworker.request.get(caseworker.url.replace("/persons/", "/api/v1/persons/"))
    assert answer.status == 200 and answer.json()["person"]["external_id"] == "DEMO-0009"

    # Erasure request: the caseworker finds the person; the district's admin erases.
    open_person(caseworker, "Fiktiv", "Hamid")
    person_url = caseworker.url
    expect(caseworker.get_by_test_id("erase-form")).to_have_count(0)  # not theirs to do

    admin = new_page(viewport={"width": 1200, "height": 900})
    log_in(admin, DISTRICT_ADMIN, DEMO_PASSWORD)
    admin.goto(person_url)
    expect(admin.get_by_test_id("person-name")).to_have_text("Fiktiv, Hamid")
    form = admin.get_by_test_id("erase-form")
    form.get_by_role("button").click()  # no reason: the browser asks for one
    expect(admin.get_by_test_id("person-name")).to_have_text("Fiktiv, Hamid")
    admin.get_by_test_id("erase-reason").fill("Antrag nach Art. 17 DSGVO vom Montag")
    form.get_by_role("button").click()
    expect(admin.locator(".flash")).to_contain_text("gelöscht")
    admin.screenshot(path=f"{SCREENSHOTS}/rights-erased.png", full_page=True)

    caseworker.goto("/persons")
    caseworker.get_by_test_id("person-q").fill("Fiktiv")
    expect(caseworker.get_by_test_id("person-row")).to_have_count(0)
    caseworker.goto(person_url)
    expect(caseworker.get_by_test_id("person-name")).not_to_contain_text("Fiktiv")
