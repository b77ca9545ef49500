"""The capacity pages: they render for caseworkers, answer 404 outside one's reach, and
show names only to those who may see persons."""

from __future__ import annotations

from datetime import date

import pytest

from exchange.capacity import occupancy
from exchange.capacity.models import CapacitySnapshot, PersonAudit
from exchange.extensions import db
from tests.capacity.conftest import bed_ids


@pytest.fixture
def municipality(make_org, district):
    return make_org("municipality", parent=district)


@pytest.fixture
def housed(make_user, make_shelter, make_person, district, municipality):
    """A published shelter of a municipality of the district, one bed taken by a person
    with a recognisable name."""
    actor = make_user(role="caseworker", org=district)
    shelter = make_shelter(
        municipality, rooms=[("family", 3, True), ("female", 2)], publish=True, actor=actor,
        name="Unterkunft Lindenhof",
    )
    person = make_person(district, family_name="Zzyzxbeispiel", given_names="Amira")
    occupancy.check_in(actor, person.id, bed_ids(shelter)[0])
    db.session.flush()
    return shelter, person


def test_pages_render_for_caseworkers(as_user, district, housed):
    shelter, person = housed
    client = as_user(role="caseworker", org=district)

    page = client.get("/shelters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Unterkunft Lindenhof" in html
    assert f'data-shelter-id="{shelter.id}"' in html
    assert 'data-testid="nav-shelters"' in html

    page = client.get(f"/shelters/{shelter.id}")
    assert page.status_code == 200
    assert 'id="plan"' in page.get_data(as_text=True)

    plan = client.get(f"/shelters/{shelter.id}/plan.json")
    assert plan.status_code == 200
    data = plan.get_json()
    assert data["capacity"]["total"] == 5
    assert data["capacity"]["occupied"] == 1
    beds = [bed for room in data["rooms"] for bed in room["beds"]]
    (taken,) = [bed for bed in beds if bed["occupied"]]
    assert taken["person_id"] == person.id
    assert taken["person_name"] == "Zzyzxbeispiel, Amira"
    # Showing a name is a read of that person: audited.
    assert db.session.query(PersonAudit).filter_by(person_id=person.id, action="read").count()

    for path in ("/persons", f"/persons/{person.id}", "/registry/import", "/capacity",
                 f"/capacity/{district.id}"):
        answer = client.get(path)
        assert answer.status_code == 200, path
    assert "Zzyzxbeispiel" in client.get(f"/persons/{person.id}").get_data(as_text=True)


def test_another_districts_shelter_and_person_answer_404(as_user, make_org, housed):
    shelter, person = housed
    stranger = as_user(role="caseworker", org=make_org("district"))
    for path in (f"/shelters/{shelter.id}", f"/shelters/{shelter.id}/plan.json",
                 f"/persons/{person.id}"):
        assert stranger.get(path).status_code == 404, path
    assert "Unterkunft Lindenhof" not in stranger.get("/shelters").get_data(as_text=True)


def test_officials_see_counts_but_no_names(as_user, district, housed):
    shelter, person = housed
    official = as_user(role="official", org=district)

    assert "Unterkunft Lindenhof" in official.get("/shelters").get_data(as_text=True)
    page = official.get(f"/shelters/{shelter.id}")
    assert page.status_code == 200
    assert "Zzyzxbeispiel" not in page.get_data(as_text=True)
    plan = official.get(f"/shelters/{shelter.id}/plan.json").get_json()
    assert "Zzyzxbeispiel" not in str(plan)
    beds = [bed for room in plan["rooms"] for bed in room["beds"]]
    assert sum(bed["occupied"] for bed in beds) == 1
    assert all("person_id" not in bed and "person_name" not in bed for bed in beds)
    # No registry for officials, and no shelters link in their navigation.
    assert official.get(f"/persons/{person.id}").status_code == 404
    assert official.get("/persons").status_code == 404
    assert official.get("/registry/import").status_code == 404
    assert 'data-testid="nav-shelters"' not in official.get("/shelters").get_data(as_text=True)


def test_dashboard_totals_and_municipalities(as_user, district, municipality, housed):
    shelter, _person = housed
    db.session.add(CapacitySnapshot(
        organization_id=municipality.id, shelter_id=shelter.id, day=date.today(),
        total=5, blocked=0, occupied=1, free=4,
    ))
    db.session.flush()
    client = as_user(role="official", org=district)
    html = client.get(f"/capacity/{district.id}").get_data(as_text=True)
    assert 'data-testid="municipalities"' in html
    assert municipality.name in html
    assert 'data-testid="kpi-free">4<' in html
    trend = client.get(f"/api/v1/organizations/{district.id}/capacity/trend").get_json()
    assert trend[-1]["free"] == 4
    assert client.get("/capacity/999999999").status_code == 404
