"""Fixtures shared by the profiles tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def lower_saxony(make_org) -> dict:
    """The state of Lower Saxony and two of its districts, Osnabrück and Emsland, by key."""
    state = make_org("state", name="Land Niedersachsen", ags="03")
    return {
        "state": state,
        "osnabrueck": make_org("district", parent=state, name="Landkreis Osnabrück", ags="03459"),
        "emsland": make_org("district", parent=state, name="Landkreis Emsland", ags="03454"),
    }
