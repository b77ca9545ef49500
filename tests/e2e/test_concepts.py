"""Concepts in the browser: an official writes a concept with an attachment (live preview,
upload, publish); another official finds it by full-text search (another word form) and
downloads the attachment."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.documents.samples import PDF_BYTES
from tests.e2e.test_foundation import DEMO_PASSWORD, log_in

AUTHOR = "buergermeister@bramsche.example"
READER = "rathaus@melle.example"


def test_write_a_concept_with_an_attachment_and_find_it_by_search(new_page, tmp_path: Path):
    author = new_page()
    log_in(author, AUTHOR, DEMO_PASSWORD)
    author.get_by_test_id("nav-concepts").click()
    author.get_by_test_id("new-concept").click()
    author.locator("#concept-title").fill("Wohnungslotsen für Geflüchtete")
    author.locator("#concept-summary").fill("Ehrenamtliche begleiten Familien zur Wohnung.")
    author.locator("#concept-topics").fill("housing, integration")
    author.locator("#concept-body").fill(
        "## Ablauf\n\nLotsen besichtigen **Wohnungen** mit den Familien.\n\n"
        "<script>window.hacked = 1</script>")
    preview = author.get_by_test_id("concept-preview")
    expect(preview.locator("h2")).to_have_text("Ablauf")
    expect(preview.locator("strong")).to_have_text("Wohnungen")
    expect(preview.locator("script")).to_have_count(0)
    author.get_by_test_id("concept-file").set_input_files(
        files=[{"name": "lotsen-plan.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    expect(author.get_by_test_id("concept-attachments").locator("li")).to_contain_text(
        "lotsen-plan.pdf")
    author.get_by_test_id("concept-submit").click()
    expect(author.get_by_test_id("concept").locator("h1")).to_have_text(
        "Wohnungslotsen für Geflüchtete")
    expect(author.get_by_test_id("attachments")).to_contain_text("lotsen-plan.pdf")

    reader = new_page()
    log_in(reader, READER, DEMO_PASSWORD)
    reader.goto("/concepts")
    reader.get_by_test_id("concept-search").fill("Wohnungslotse")
    reader.get_by_test_id("concept-search").press("Enter")
    result = reader.get_by_test_id("concept-list").get_by_role(
        "link", name="Wohnungslotsen für Geflüchtete")
    expect(result).to_be_visible()
    result.click()
    expect(reader.get_by_test_id("concept-body").locator("strong")).to_have_text("Wohnungen")
    with reader.expect_download() as download_info:
        reader.get_by_test_id("attachments").get_by_role("link", name="lotsen-plan.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "lotsen-plan.pdf"
    saved = tmp_path / "plan.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF_BYTES
