"""The directory's people (issue 14, point 5): found by name, function or organisation,
each with how to reach them (e-mail only when shown, phone when given, a message where
chat allows); disabled accounts and memberships never listed; what a landlord and an
official find."""

from __future__ import annotations

import pytest

from exchange.extensions import db
from exchange.profiles.models import Membership, User


@pytest.fixture
def town_hall(make_org, make_user):
    """A district and a town with its mayor (the town's contact person, e-mail shown,
    phone given) and a caseworker of the district (e-mail not shown)."""
    district = make_org("district", name="Landkreis Passau", ags="09275")
    town = make_org("municipality", parent=district, name="Vilshofen", ags="09275152")
    mayor = make_user(role="official", org=town, name="Erika Schmidt",
                      email="erika.schmidt@vilshofen.example")
    mayor.show_email, mayor.phone = True, "08541 000-1"
    mayor.memberships[0].function = "Bürgermeisterin"
    town.contact_user_id = mayor.id
    caseworker = make_user(role="caseworker", org=district, name="Carla Fall")
    caseworker.memberships[0].function = "Sachbearbeitung Asyl"
    db.session.flush()
    return district, town, mayor, caseworker


def people(client, query: str) -> dict[str, dict]:
    answer = client.get(f"/api/v1/directory?{query}")
    assert answer.status_code == 200, answer.get_json()
    return {p["name"]: p for p in answer.get_json()["people"]}


def test_people_are_found_by_function_name_and_organisation(as_user, town_hall):
    district, _town, mayor, _caseworker = town_hall
    official = as_user(role="official", org=district)
    for query in ("q=Bürgermeister", "q=burgermeisterin", "q=Schmidt", "q=vilshofen",
                  "q=Erika%20Vilshofen"):
        assert set(people(official, query)) == {"Erika Schmidt"}, query
    assert people(official, "q=Bürgermeister%20Passau") == {}
    found = people(official, "q=Bürgermeister")["Erika Schmidt"]
    assert found == {
        "user_id": mayor.id, "name": "Erika Schmidt", "function": "Bürgermeisterin",
        "role": "official", "organization_id": mayor.memberships[0].organization_id,
        "organization_name": "Vilshofen", "organization_kind": "municipality",
        "is_contact": True, "email": "erika.schmidt@vilshofen.example",
        "phone": "08541 000-1", "can_message": True,
    }
    # Organisations are searched in the same answer, filtered like the people.
    answer = official.get("/api/v1/directory?q=Vilshofen&ags=09275").get_json()
    assert [o["name"] for o in answer["organizations"]] == ["Vilshofen"]
    assert people(official, "q=Erika&kind=district") == {}


def test_email_only_when_its_owner_shows_it_or_is_the_contact_person(as_user, town_hall):
    district, town, mayor, _caseworker = town_hall
    official = as_user(role="official", org=district)
    assert people(official, "q=Sachbearbeitung")["Carla Fall"]["email"] is None
    assert people(official, "q=Sachbearbeitung")["Carla Fall"]["phone"] is None
    mayor.show_email = False
    db.session.flush()
    # Named the town's contact person: reachable from outside all the same.
    assert people(official, "q=Schmidt")["Erika Schmidt"]["email"] == mayor.email
    town.contact_user_id = None
    db.session.flush()
    assert people(official, "q=Schmidt")["Erika Schmidt"]["email"] is None


def test_disabled_accounts_and_memberships_are_not_listed(as_user, make_user, town_hall):
    district, town, mayor, caseworker = town_hall
    official = as_user(role="official", org=district)
    make_user(role="official", org=town, status="pending", name="Paul Pending")
    gone = make_user(role="official", org=town, name="Dora Disabled")
    assert set(people(official, f"q=&ags={town.ags}")) == {"Erika Schmidt", "Dora Disabled"}
    gone.disabled = True
    caseworker.memberships[0].status = "disabled"
    db.session.flush()
    assert set(people(official, "q=")) >= {"Erika Schmidt"}
    assert not {"Dora Disabled", "Paul Pending", "Carla Fall"} & set(people(official, "q="))
    # A disabled contact person is no contact any more, on the page either.
    mayor.memberships[0].status = "disabled"
    db.session.flush()
    assert official.get(f"/api/v1/organizations/{town.id}").get_json()["contact"] is None
    assert "Erika Schmidt" not in official.get(f"/directory/{town.id}").get_data(as_text=True)
    assert "Erika Schmidt" not in official.get("/directory?q=Erika").get_data(as_text=True)


def test_a_landlord_finds_contact_persons_and_their_own_colleagues_only(
        as_user, make_user, make_org, town_hall):
    district, _town, mayor, _caseworker = town_hall
    company = make_org("landlord", name="Wohnbau Passau GmbH")
    landlord = as_user(role="landlord", org=company)
    colleague = make_user(role="landlord", org=company, name="Kurt Kollege")
    found = people(landlord, "q=")
    assert set(found) == {"Erika Schmidt", "Kurt Kollege", landlord.user.name}
    # The contact person with what she shows; chat lets a landlord open no direct room.
    assert found["Erika Schmidt"]["email"] == "erika.schmidt@vilshofen.example"
    assert found["Erika Schmidt"]["can_message"] is False
    assert people(landlord, "q=Sachbearbeitung") == {}
    # The official finds everyone active, and may write to staff but not to a landlord
    # (chat keeps landlords to rooms about their listings).
    official = as_user(role="official", org=district)
    found = people(official, "q=")
    assert {"Erika Schmidt", "Carla Fall", "Kurt Kollege"} <= set(found)
    assert found["Carla Fall"]["can_message"] is True
    assert found["Kurt Kollege"]["can_message"] is False
    assert colleague.id == found["Kurt Kollege"]["user_id"]


def test_the_directory_page_shows_people_with_how_to_reach_them(as_user, town_hall):
    district, town, mayor, _caseworker = town_hall
    official = as_user(role="official", org=district)
    page = official.get("/directory?q=B%C3%BCrgermeister").get_data(as_text=True)
    assert 'data-testid="people"' in page and "Erika Schmidt" in page
    assert 'href="mailto:erika.schmidt@vilshofen.example"' in page
    assert 'href="tel:08541000-1"' in page
    assert f'action="/chat/direct/{mayor.id}"' in page
    assert "Nachricht schreiben" in page
    assert 'for="directory-q"' in page  # the search box has a label
    # Without a search the page lists organisations only.
    assert 'data-testid="people"' not in official.get("/directory").get_data(as_text=True)
    # The organisation's page shows its contact person the same way.
    page = official.get(f"/directory/{town.id}").get_data(as_text=True)
    assert 'data-testid="contact"' in page
    assert 'href="mailto:erika.schmidt@vilshofen.example"' in page
    assert f'action="/chat/direct/{mayor.id}"' in page


def test_bad_directory_input_is_refused_naming_the_field(as_user, town_hall):
    district, *_rest = town_hall
    official = as_user(role="official", org=district)
    for query, field in (("limit=0", "limit"), ("ags=x9", "ags"), ("kind=castle", "kind"),
                         (f"q={'x' * 201}", "q")):
        answer = official.get(f"/api/v1/directory?{query}")
        assert answer.status_code == 422, query
        assert field in answer.get_json()["errors"]["query"], query


def test_users_set_phone_email_visibility_and_function_on_their_profile(
        as_user, make_org, town_hall):
    _district, town, _mayor, _caseworker = town_hall
    client = as_user(role="official", org=town)
    user = client.user
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="show_email"' in page and f'name="function-{town.id}"' in page
    answer = client.post("/profile", data={
        "csrf_token": client.csrf_token, "name": user.name, "phone": "08541 000-2",
        "show_email": "on", f"function-{town.id}": "Kämmerer"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert (user.phone, user.show_email, user.memberships[0].function) == (
        "08541 000-2", True, "Kämmerer")
    found = people(client, "q=Kämmerer")[user.name]
    assert (found["email"], found["phone"]) == (user.email, "08541 000-2")
    # The same through the API.
    assert client.patch("/api/v1/me", json={"show_email": False}).get_json()[
        "show_email"] is False
    answer = client.patch(f"/api/v1/me/memberships/{town.id}", json={"function": " Leitung "})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["function"] == "Leitung"


def test_nobody_sets_a_function_in_an_organisation_they_do_not_belong_to(
        as_user, make_org, make_user, town_hall):
    """Attacker test: another organisation's id (and a pending membership) answer 404 and
    change nothing."""
    district, town, mayor, _caseworker = town_hall
    other = make_org("municipality", name="Anderswo")
    client = as_user(role="official", org=other)
    answer = client.patch(f"/api/v1/me/memberships/{town.id}", json={"function": "Bürgermeister"})
    assert answer.status_code == 404
    db.session.add(Membership(user=client.user, organization=district, role="official",
                              status="pending"))
    db.session.flush()
    assert client.patch(f"/api/v1/me/memberships/{district.id}",
                        json={"function": "Landrat"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, mayor.id).memberships[0].function == "Bürgermeisterin"
    assert {m.function for m in db.session.get(User, client.user.id).memberships} == {None}
    # The profile form ignores fields for organisations one is not active in.
    client.post("/profile", data={"csrf_token": client.csrf_token, "name": "X",
                                  f"function-{town.id}": "Bürgermeister"})
    db.session.expire_all()
    assert db.session.get(User, mayor.id).memberships[0].function == "Bürgermeisterin"


def test_the_directory_search_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/directory"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "kind", "ags", "limit"}
    schema = spec["components"]["schemas"]["Directory"]
    assert set(schema["properties"]) == {"organizations", "people"}
    assert {"email", "phone", "can_message", "function"} <= set(
        spec["components"]["schemas"]["Person"]["properties"])
