"""The forecast on the capacity dashboard in the browser (issue 18, points 4 and 5): a
caseworker of Landkreis Osnabrück records an allocation announced for next week, and the
forecast's table and chart change without reloading the page (the demo announces one
for next week already); a bad entry names its
field and changes nothing; removing the allocation brings the figures back.

Works on the demo data (exchange seed-demo); the allocation is removed at the end, so the
other browser tests find the district as it was."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.test_capacity import CASEWORKER
from tests.e2e.test_foundation import log_in
from tests.e2e.test_listings_map import DEMO_PASSWORD, SCREENSHOTS


def next_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=1)


def test_an_allocation_changes_the_forecast_chart_and_table(new_page):
    page = new_page(viewport={"width": 1300, "height": 1000})
    log_in(page, CASEWORKER, DEMO_PASSWORD)
    page.goto("/capacity")
    section = page.get_by_test_id("forecast")
    expect(section.get_by_test_id("forecast-table")).to_be_visible()
    chart = section.get_by_test_id("forecast-chart")
    expect(chart).to_have_attribute("data-free", re.compile(r"\d"))  # drawn
    drawn = chart.get_attribute("data-free")
    week_2 = section.get_by_test_id("forecast-week-2")  # next week, which starts on Monday
    before = int(week_2.get_attribute("data-free"))
    free_cell = section.get_by_test_id("forecast-free-2")
    shown = free_cell.inner_text()

    # A bad entry: the field is named, nothing changes.
    form = section.get_by_test_id("allocation-form")
    form.get_by_test_id("allocation-date").fill(next_monday().isoformat())
    form.get_by_test_id("allocation-persons").fill("5")
    form.get_by_test_id("allocation-households").fill("3, 3")
    form.get_by_test_id("allocation-save").click()
    expect(form.get_by_test_id("allocation-error")).to_contain_text("households")
    expect(week_2).to_have_attribute("data-free", str(before))

    form.get_by_test_id("allocation-households").fill("3, 2")
    form.locator("input[name=note]").fill("E2E-Zuweisung")
    form.get_by_test_id("allocation-save").click()
    expect(week_2).to_have_attribute("data-free", str(before - 5))
    expect(free_cell).not_to_have_text(shown)
    expect(chart).not_to_have_attribute("data-free", drawn)
    expect(section.get_by_test_id("allocations")).to_contain_text("5 Personen")
    expect(form.get_by_test_id("allocation-error")).to_be_hidden()
    page.screenshot(path=f"{SCREENSHOTS}/capacity-forecast.png", full_page=True)

    # Removed again: the figures are back (and the demo district as it was).
    ours = section.get_by_test_id("allocations").locator("li", has_text="E2E-Zuweisung")
    ours.get_by_role("button").click()
    expect(section.get_by_test_id("forecast-week-2")).to_have_attribute("data-free", str(before))
    expect(free_cell).to_have_text(shown)
    expect(chart).to_have_attribute("data-free", drawn)
