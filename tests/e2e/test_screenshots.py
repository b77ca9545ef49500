"""The pictures in docs/frontend.md: each role's main page at desktop (1366 px) and phone
(390 px) width, taken from the live server with the demo data.

A normal run writes them to a temporary folder (the check that they are taken and small
runs every time); to refresh the docs:

    SCREENSHOTS_DIR=docs/screenshots python -m pytest tests/e2e/test_screenshots.py

Each picture is the first screen (the viewport, not the whole page) at one CSS pixel per
pixel, its colours reduced to a palette: small PNGs, each well under 150 KB."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation import DEMO_PASSWORD, log_in
from tests.e2e.test_security import CASEWORKER, LANDLORD, OFFICIAL

DISTRICT_ADMIN = "kreisadmin@lk-osnabrueck.example"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
MAX_BYTES = 150_000
PALETTE_COLOURS = 96

# (file name, who, page, what shows once it is ready)
MAIN_PAGES = [
    ("official-start", OFFICIAL, "/", "main h1"),
    ("official-map", OFFICIAL, "/map", "[data-testid=result-count]:not(:empty)"),
    ("caseworker-shelters", CASEWORKER, "/shelters", "[data-testid=livestate][data-live=true]"),
    ("landlord-start", LANDLORD, "/", "main h1"),
    ("district-admin-start", DISTRICT_ADMIN, "/", "main h1"),
]


@pytest.fixture(scope="module")
def screenshots_dir(tmp_path_factory) -> Path:
    folder = os.environ.get("SCREENSHOTS_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _small_png(raw: bytes) -> bytes:
    """The screenshot with its colours reduced to a palette (flat UI colours survive it)."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


def _shoot(page: Page, path: Path) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready")
    png = _small_png(page.screenshot(scale="css", animations="disabled", caret="hide"))
    assert len(png) < MAX_BYTES, f"{path.name} is {len(png)} bytes"
    path.write_bytes(png)


@pytest.mark.parametrize("size", list(SIZES))
def test_main_page_of_each_role(new_page, screenshots_dir: Path, size: str):
    signed_in: dict[str, Page] = {}
    for name, email, url, ready in MAIN_PAGES:
        if email not in signed_in:
            signed_in[email] = new_page(viewport=SIZES[size], device_scale_factor=1)
            log_in(signed_in[email], email, DEMO_PASSWORD)
        page = signed_in[email]
        page.goto(url)
        expect(page.locator(ready).first).to_be_visible()
        _shoot(page, screenshots_dir / f"{name}-{size}.png")
    assert len(list(screenshots_dir.glob(f"*-{size}.png"))) == len(MAIN_PAGES)
