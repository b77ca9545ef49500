"""Start pages (issue 14, point 6): the official's free places are the dashboard's figure,
the landlord's "expiring soon" is the reminder window, and every role has its main action
at hand."""

from __future__ import annotations

import re
from datetime import timedelta

from exchange.db import utcnow
from exchange.extensions import db
from tests.capacity.conftest import make_shelter as make_shelter  # noqa: F401  (fixture)
from tests.listings.conftest import make_listing as make_listing  # noqa: F401  (fixture)


def _figure(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">([\d.]+)<', html)
    assert match is not None, testid
    return int(match.group(1).replace(".", ""))


def test_the_officials_free_places_equal_the_dashboards(
    as_user, make_org, make_user, make_shelter, make_listing  # noqa: F811
):
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    elsewhere = make_org("district")
    make_shelter(district, rooms=[("mixed", 4)], publish=True)
    make_shelter(municipality, rooms=[("family", 3)], publish=False)
    official = make_user(role="official", org=district)
    # Manual bed listings count too: published ones of the district and those below.
    make_listing(kind="beds", owner=official, free_beds=6)
    make_listing(kind="beds", owner=make_user(role="official", org=municipality), free_beds=2)
    make_listing(kind="beds", owner=official, free_beds=50, status="draft")
    make_shelter(elsewhere, rooms=[("mixed", 9)], publish=True)
    db.session.flush()

    client = as_user(user=official)
    start = _figure(client.get("/").get_data(as_text=True), "start-free-beds")
    dashboard = _figure(client.get("/capacity").get_data(as_text=True), "kpi-free-places")
    api = client.get(f"/api/v1/organizations/{district.id}/capacity").get_json()
    assert start == dashboard == api["free_places"] == 4 + 3 + 6 + 2
    assert api["listed_free"] == 8


def test_an_official_of_two_levels_counts_each_place_once(as_user, make_org, make_user,
                                                         make_shelter):  # noqa: F811
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    make_shelter(municipality, rooms=[("mixed", 5)])
    official = make_user(role="official", org=district)
    client = as_user(user=official)
    start = _figure(client.get("/").get_data(as_text=True), "start-free-beds")
    dashboard = _figure(client.get("/capacity").get_data(as_text=True), "kpi-free-places")
    assert start == dashboard == 5


def test_expiring_soon_is_the_reminder_window_not_the_lifetime(app, as_user, make_listing):  # noqa: F811
    landlord = as_user(role="landlord")
    window = app.config["LISTING_REMINDER_DAYS"]
    now = utcnow()
    make_listing(owner=landlord.user, title="Neu eingestellt",
                 expires_at=now + timedelta(days=app.config["LISTING_TTL_DAYS"]))
    make_listing(owner=landlord.user, title="Kurz vor Ablauf",
                 expires_at=now + timedelta(days=window) - timedelta(hours=1))
    make_listing(owner=landlord.user, title="Knapp ausserhalb",
                 expires_at=now + timedelta(days=window, hours=2))
    html = landlord.get("/").get_data(as_text=True)
    expiring = html.split('data-testid="start-expiring"')[1].split("</section>")[0]
    assert "Kurz vor Ablauf" in expiring
    assert "Neu eingestellt" not in expiring and "Knapp ausserhalb" not in expiring


def test_every_role_has_its_main_action_on_its_start_page(as_user, make_org):
    district = make_org("district")
    main_actions = {
        "official": ("start-map-link", "/map"),
        "caseworker": ("start-shelters-link", "/shelters"),
        "landlord": ("start-new-listing", "/listings/new"),
        "admin": ("start-members-", "/members"),
    }
    for role, (testid, target) in main_actions.items():
        client = as_user(role=role, org=None if role == "landlord" else district)
        html = client.get("/").get_data(as_text=True)
        match = re.search(rf'href="([^"]+)"[^>]*data-testid="{testid}', html)
        assert match is not None, role
        assert target in match.group(1), role
        assert client.get(match.group(1)).status_code == 200, role
