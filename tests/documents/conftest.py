"""Every documents test stores its files under its own tmp_path."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def documents_dir(app, tmp_path, monkeypatch):
    """DOCUMENTS_DIR of the app set to a fresh folder for the test (restored after it)."""
    root = tmp_path / "documents"
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(root))
    return root
