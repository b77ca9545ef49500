"""The directory (issue 6, point 1): organisations by kind and region, members with role,
function, languages and topics, a named contact person, the map of participants."""

from __future__ import annotations

import json
import re

import pytest

from exchange.extensions import db
from exchange.profiles.models import Membership, User


@pytest.fixture
def region(make_org):
    state = make_org("state", name="Bayern", ags="09")
    district = make_org("district", parent=state, name="Landkreis Passau", ags="09275",
                        lat=48.57, lon=13.43)
    town = make_org("municipality", parent=district, name="Vilshofen", ags="09275152",
                    lat=48.63, lon=13.18)
    other = make_org("municipality", name="Anderswo", ags="05111000")
    return state, district, town, other


def test_filter_by_kind_region_and_parent(as_user, region):
    state, district, town, other = region
    client = as_user(role="official", org=district)
    names = lambda query: {o["name"] for o in client.get(f"/api/v1/organizations?{query}")  # noqa: E731
                           .get_json()["items"]}
    assert names("ags=09275") == {"Landkreis Passau", "Vilshofen"}
    assert names("ags=09&kind=municipality") == {"Vilshofen"}
    assert names(f"parent_id={district.id}") == {"Vilshofen"}
    assert "Anderswo" not in names("ags=09")
    assert client.get("/api/v1/organizations?ags=x9").status_code == 422


def test_members_function_languages_topics_and_contact(as_user, make_user, region):
    _state, district, town, _other = region
    admin = as_user(role="admin", org=town)
    mayor = make_user(role="official", org=town, name="Erika Mayor")
    mayor.languages, mayor.topics = ["de", "en"], ["housing"]
    db.session.flush()
    answer = admin.patch(f"/api/v1/organizations/{town.id}/members/{mayor.id}",
                         json={"function": "Bürgermeisterin"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["function"] == "Bürgermeisterin"
    reader = as_user(role="official", org=district)
    members = reader.get(f"/api/v1/organizations/{town.id}/members").get_json()
    row = next(m for m in members if m["user_id"] == mayor.id)
    assert (row["role"], row["function"], row["languages"], row["topics"]) == (
        "official", "Bürgermeisterin", ["de", "en"], ["housing"])

    assert reader.patch(f"/api/v1/organizations/{town.id}",
                        json={"contact_user_id": mayor.id}).status_code == 403
    stranger = make_user(role="official", org=district)
    bad = admin.patch(f"/api/v1/organizations/{town.id}", json={"contact_user_id": stranger.id})
    assert bad.status_code == 422
    ok = admin.patch(f"/api/v1/organizations/{town.id}", json={"contact_user_id": mayor.id})
    assert ok.status_code == 200, ok.get_json()
    contact = reader.get(f"/api/v1/organizations/{town.id}").get_json()["contact"]
    assert {k: contact[k] for k in ("user_id", "name", "function", "is_contact")} == {
        "user_id": mayor.id, "name": "Erika Mayor", "function": "Bürgermeisterin",
        "is_contact": True}
    page = reader.get(f"/directory/{town.id}").get_data(as_text=True)
    assert 'data-testid="contact"' in page and "Bürgermeisterin" in page
    assert db.session.get(Membership, db.session.query(Membership.id).filter_by(
        user_id=mayor.id).scalar()).function == "Bürgermeisterin"


def test_directory_page_has_the_map_of_participants(as_user, region):
    _state, district, town, _other = region
    client = as_user(role="official", org=district)
    page = client.get("/directory?ags=09275").get_data(as_text=True)
    assert 'data-testid="directory-map"' in page
    config = json.loads(re.search(
        r'<script type="application/json" id="page-config">(.*?)</script>', page, re.S
    ).group(1))
    assert {p["name"] for p in config["places"]} == {"Landkreis Passau", "Vilshofen"}
    assert config["outline_url"].endswith("geo/germany.json")
    assert f'data-testid="org-{town.id}"' in page


def test_admin_page_sets_function_and_contact(as_user, make_user, region):
    _state, _district, town, _other = region
    admin = as_user(role="admin", org=town)
    mayor = make_user(role="official", org=town, name="Max Mayor")
    url = f"/organizations/{town.id}/members"
    page = admin.get(url).get_data(as_text=True)
    assert f'data-testid="function-{mayor.id}"' in page
    for data in ({"action": "function", "function": "Bürgermeister"}, {"action": "contact"}):
        answer = admin.post(url, data={"user_id": mayor.id, "csrf_token": admin.csrf_token,
                                       **data})
        assert answer.status_code == 302
    db.session.expire_all()
    assert town.contact_user_id == mayor.id
    page = admin.get(url).get_data(as_text=True)
    assert 'data-testid="is-contact"' in page and "Bürgermeister" in page


def test_an_unverified_self_registered_landlord_cannot_list_staff(app, as_user, make_user,
                                                                  region, login):
    """Issue 12, point 12: a self-registered (unverified) landlord listed a district's
    staff with names and roles."""
    _state, district, town, _other = region
    make_user(role="caseworker", org=district, name="Carla Sachbearbeiterin")
    landlord = app.test_client()
    assert landlord.post("/api/v1/auth/register", json={
        "email": "schnueffler@test.example", "password": "a-long-password",
        "name": "Sven Schnüffler"}).status_code == 202
    login(landlord, db.session.scalar(db.select(User).where(
        User.email == "schnueffler@test.example")), password="a-long-password")
    for org in (district, town):
        answer = landlord.get(f"/api/v1/organizations/{org.id}/members")
        assert answer.status_code == 404
        assert "Carla" not in answer.get_data(as_text=True)
    page = landlord.get(f"/directory/{district.id}")
    assert page.status_code == 200  # the organisation itself stays in the directory
    assert 'data-testid="members"' not in page.get_data(as_text=True)
    assert "Carla Sachbearbeiterin" not in page.get_data(as_text=True)
    # A verified landlord company is no staff either; its own members see each other.
    company_member = as_user(role="landlord")
    assert company_member.get(f"/api/v1/organizations/{district.id}/members").status_code == 404
    own = company_member.get(
        f"/api/v1/organizations/{company_member.user.memberships[0].organization_id}/members")
    assert own.status_code == 200 and [m["user_id"] for m in own.get_json()] == [
        company_member.user.id]
    # Staff of verified public organisations see the list, here and on the page.
    official = as_user(role="official", org=town)
    assert "Carla Sachbearbeiterin" in {
        m["name"] for m in official.get(f"/api/v1/organizations/{district.id}/members").get_json()}
    assert "Carla Sachbearbeiterin" in official.get(f"/directory/{district.id}").get_data(
        as_text=True)
