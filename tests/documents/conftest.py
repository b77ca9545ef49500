"""Every documents test stores its files under its own tmp_path."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_documents_dir(documents_dir):
    """Each test here uses `documents_dir` (tests/conftest.py)."""
