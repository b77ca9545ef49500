"""Photos and documents of a listing in the browser: added on the edit form (uploaded, then
attached), shown as thumbnails in the map's detail to another official, removed again."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "exchange-demo"
OFFICIAL_OSNABRUECK = "fluechtlinge@lk-osnabrueck.example"
OFFICIAL_LINGEN = "wohnungsamt@lingen.example"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def sign_in(page: Page, email: str) -> str:
    answer = page.request.post(
        "/api/v1/auth/login", data={"email": email, "password": DEMO_PASSWORD}
    )
    assert answer.status == 200, answer.text()
    return answer.json()["csrf_token"]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_photos_added_on_the_edit_form_show_in_the_detail(new_page):
    owner = new_page(viewport={"width": 1400, "height": 900})
    csrf = sign_in(owner, OFFICIAL_OSNABRUECK)
    title = f"Wohnung mit Fotos {uuid.uuid4().hex[:6]}"
    answer = owner.request.post(
        "/api/v1/listings",
        data={
            "kind": "flat", "title": title, "publish": True, "max_occupants": 3,
            "address": {"street": "Hasestraße 5", "postal_code": "49074", "city": "Osnabrück"},
            "location": {"lat": 52.2790, "lon": 8.0440},
        },
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 201, answer.text()
    listing = answer.json()

    owner.goto(f"/listings/{listing['id']}/edit")
    owner.get_by_test_id("field-files").set_input_files([
        {"name": "wohnzimmer.png", "mimeType": "image/png", "buffer": png_bytes()},
        {"name": "grundriss.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    ])
    items = owner.get_by_test_id("attachments").locator("li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("wohnzimmer.png")
    expect(items.nth(1)).to_contain_text("grundriss.pdf")

    # Another district's official sees the photo in the listing's detail on the map.
    viewer = new_page(viewport={"width": 1400, "height": 900})
    sign_in(viewer, OFFICIAL_LINGEN)
    viewer.goto(f"/listings/{listing['id']}")
    expect(viewer.get_by_test_id("detail-title")).to_have_text(title)
    thumbnail = viewer.get_by_test_id("detail-photos").locator("img")
    expect(thumbnail).to_have_count(1)
    viewer.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    photo_id = items.nth(0).get_attribute("data-document-id")
    link = viewer.get_by_test_id("detail-photos").locator("a")
    expect(link).to_have_attribute("href", f"/api/v1/documents/{photo_id}/content")
    expect(viewer.get_by_test_id("detail-documents")).to_contain_text("grundriss.pdf")
    assert viewer.request.get(f"/api/v1/documents/{photo_id}/content").status == 200

    # The owner removes the photo again: open details drop it, and it can no longer be read.
    items.nth(0).get_by_role("button").click()
    expect(items).to_have_count(1)
    expect(viewer.get_by_test_id("detail-photos")).to_have_count(0)
    assert viewer.request.get(f"/api/v1/documents/{photo_id}/content").status == 404
