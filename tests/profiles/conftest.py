"""Fixtures shared by the profiles tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def lower_saxony(make_org) -> dict:
    """Part of Lower Saxony by key: the state, its districts Osnabrück (with the towns
    Bramsche and Melle) and Emsland (with Lingen)."""
    state = make_org("state", name="Land Niedersachsen", ags="03")
    osnabrueck = make_org("district", parent=state, name="Landkreis Osnabrück", ags="03459")
    emsland = make_org("district", parent=state, name="Landkreis Emsland", ags="03454")
    return {
        "state": state,
        "osnabrueck": osnabrueck,
        "emsland": emsland,
        "bramsche": make_org("municipality", parent=osnabrueck, name="Stadt Bramsche",
                             ags="03459012"),
        "melle": make_org("municipality", parent=osnabrueck, name="Stadt Melle", ags="03459024"),
        "lingen": make_org("municipality", parent=emsland, name="Stadt Lingen (Ems)",
                           ags="03454032"),
    }
