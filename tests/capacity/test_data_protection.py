"""Data protection (issue 4, point 9): persons only for caseworkers and admins of the owning
district, religion and health only for caseworkers, officials see counts only, every read
and write of a person audited; another district's ids answer 404 through every call."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from exchange.capacity import activities, counts, occupancy, persons
from exchange.capacity.models import Activity, Household, Occupancy, Person, PersonAudit
from exchange.extensions import db
from exchange.profiles.models import Organization
from tests.capacity.conftest import bed_ids

SECRET = {"religion": "orthodox", "health_notes": "Diabetes Typ 1"}


@dataclass
class District:
    org: Organization
    shelter: object
    person: Person
    household: Household
    occupancy: Occupancy
    activity: Activity


@pytest.fixture
def make_district(make_org, make_user, make_shelter, make_person):
    def make() -> District:
        org = make_org("district")
        actor = make_user(role="caseworker", org=org)
        shelter = make_shelter(org, rooms=[("family", 4)], publish=True, actor=actor)
        person = make_person(org, family_name="Karimi", given_names="Dara", **SECRET)
        household = persons.create_household(actor, [person.id], org.id)
        stay = occupancy.check_in(actor, person.id, bed_ids(shelter)[0])
        activity = activities.create_activity(actor, person.id, {"kind": "school"})
        db.session.flush()
        return District(org, shelter, person, household, stay, activity)

    return make


def _calls(a: District, b_bed: int) -> list[tuple[str, str, dict | None]]:
    """Every call that names one of district A's records by id."""
    person, shelter = a.person.id, a.shelter.id
    a_bed = bed_ids(a.shelter)[1]
    room = a.shelter.rooms[0].id
    return [
        ("get", f"/api/v1/persons/{person}", None),
        ("patch", f"/api/v1/persons/{person}", {"family_name": "X"}),
        ("get", f"/api/v1/persons/{person}/activities", None),
        ("post", f"/api/v1/persons/{person}/activities", {"kind": "custom", "title": "X"}),
        ("patch", f"/api/v1/activities/{a.activity.id}", {"status": "done"}),
        ("post", "/api/v1/occupancies", {"person_id": person, "bed_id": b_bed}),
        ("post", f"/api/v1/occupancies/{a.occupancy.id}/end", None),
        ("post", "/api/v1/moves", {"person_id": person, "bed_ids": [b_bed]}),
        ("post", "/api/v1/moves", {"household_id": a.household.id, "bed_ids": [b_bed]}),
        ("post", "/api/v1/households", {"member_ids": [person]}),
        ("get", f"/api/v1/households/{a.household.id}", None),
        ("post", "/api/v1/placements/search", {"household_id": a.household.id}),
        ("get", f"/api/v1/shelters/{shelter}", None),
        ("patch", f"/api/v1/shelters/{shelter}", {"reserve_beds": 3}),
        ("get", f"/api/v1/shelters/{shelter}/rooms", None),
        ("post", f"/api/v1/shelters/{shelter}/rooms", {"name": "X", "policy": "male"}),
        ("get", f"/api/v1/shelters/{shelter}/capacity", None),
        ("patch", f"/api/v1/shelters/{shelter}/rooms/{room}", {"policy": "male"}),
        ("post", f"/api/v1/beds/{a_bed}/block", {"reason": "X"}),
        ("post", f"/api/v1/beds/{a_bed}/unblock", None),
        ("get", f"/api/v1/organizations/{a.org.id}/audit", None),
    ]


def _call(client, method: str, url: str, body: dict | None):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json=body)


def _snapshot(a: District) -> tuple:
    db.session.expire_all()
    person = db.session.get(Person, a.person.id)
    return (
        person.family_name,
        person.household_id,
        occupancy.current_beds([person.id]),
        db.session.get(Activity, a.activity.id).status,
        counts.current_counts(a.shelter.id).free,
        db.session.scalar(select(PersonAudit.id).order_by(PersonAudit.id.desc()).limit(1)),
    )


@pytest.mark.parametrize("role", ["caseworker", "admin"])
def test_another_districts_records_answer_404_through_every_call(as_user, make_district, role):
    a, b = make_district(), make_district()
    intruder = as_user(role=role, org=b.org)
    before = _snapshot(a)
    answers = {
        (method, url): _call(intruder, method, url, body).status_code
        for method, url, body in _calls(a, bed_ids(b.shelter)[1])
    }
    assert {call: status for call, status in answers.items() if status != 404} == {}
    assert _snapshot(a) == before

    # Lists and searches leave them out.
    found = intruder.get("/api/v1/persons", query_string={"q": "karimi"}).get_json()
    assert [p["id"] for p in found["items"]] == [b.person.id]
    for query in ({"organization_id": a.org.id}, {"household_id": a.household.id}):
        assert intruder.get("/api/v1/persons", query_string=query).get_json()["items"] == []
    assert [s["id"] for s in intruder.get("/api/v1/shelters").get_json()["items"]] == [b.shelter.id]
    # A foreign household named in a body is answered like one that does not exist.
    foreign = intruder.post(
        "/api/v1/persons", json={"family_name": "Y", "gender": "m", "household_id": a.household.id}
    )
    missing = intruder.post(
        "/api/v1/persons", json={"family_name": "Y", "gender": "m", "household_id": 2**31 - 1}
    )
    assert (foreign.status_code, foreign.get_json()) == (missing.status_code, missing.get_json())


def test_an_official_of_the_district_sees_counts_not_persons(as_user, make_district):
    a = make_district()
    official = as_user(role="official", org=a.org)
    for method, url, body in _calls(a, bed_ids(a.shelter)[1]):
        status = _call(official, method, url, body).status_code
        if (
            url.endswith(("/capacity", "/rooms"))
            and method == "get"
            or (method == "get" and url == f"/api/v1/shelters/{a.shelter.id}")
        ):
            assert status == 200, url
        else:
            assert status in (403, 404), (method, url, status)
    assert official.get("/api/v1/persons").status_code == 403
    assert (
        official.post("/api/v1/persons", json={"family_name": "Y", "gender": "m"}).status_code
        == 403
    )
    capacity = official.get(f"/api/v1/shelters/{a.shelter.id}/capacity").get_json()
    assert (capacity["occupied"], capacity["free"]) == (1, 3)
    rooms = official.get(f"/api/v1/shelters/{a.shelter.id}/rooms").get_json()
    bed = rooms[0]["beds"][0]
    assert bed["occupied"] is True and "person_id" not in bed and "occupancy_id" not in bed
    assert official.get(f"/api/v1/organizations/{a.org.id}/capacity").status_code == 200


def test_religion_and_health_only_for_caseworkers(as_user, make_district):
    a = make_district()
    caseworker = as_user(role="caseworker", org=a.org)
    admin = as_user(role="admin", org=a.org)
    seen = caseworker.get(f"/api/v1/persons/{a.person.id}").get_json()
    assert {k: seen[k] for k in SECRET} == SECRET

    as_admin = admin.get(f"/api/v1/persons/{a.person.id}").get_json()
    assert as_admin["family_name"] == "Karimi"
    assert not set(SECRET) & set(as_admin)
    listed = admin.get("/api/v1/persons").get_json()["items"]
    assert listed and not any(set(SECRET) & set(p) for p in listed)
    assert (
        admin.patch(f"/api/v1/persons/{a.person.id}", json={"religion": "none"}).status_code == 403
    )
    assert (
        admin.post(
            "/api/v1/persons", json={"family_name": "Y", "gender": "m", "health_notes": "x"}
        ).status_code
        == 403
    )
    assert (
        admin.patch(f"/api/v1/persons/{a.person.id}", json={"profession": "Koch"}).status_code
        == 200
    )
    db.session.expire_all()
    assert db.session.get(Person, a.person.id).religion == SECRET["religion"]


def test_district_staff_reach_their_municipalities(as_user, make_org, make_person):
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    person = make_person(municipality)
    assert (
        as_user(role="caseworker", org=district).get(f"/api/v1/persons/{person.id}").status_code
        == 200
    )
    assert (
        as_user(role="caseworker", org=make_org("municipality", parent=district))
        .get(f"/api/v1/persons/{person.id}")
        .status_code
        == 404
    )


def test_every_read_and_write_of_a_person_is_audited(as_user, make_district, make_shelter):
    a = make_district()
    caseworker = as_user(role="caseworker", org=a.org)
    person = a.person.id
    start = db.session.scalar(select(PersonAudit.id).order_by(PersonAudit.id.desc()).limit(1))
    free = bed_ids(a.shelter)[1:]

    caseworker.get(f"/api/v1/persons/{person}")
    caseworker.get("/api/v1/persons", query_string={"q": "karimi"})
    caseworker.patch(f"/api/v1/persons/{person}", json={"profession": "Maler"})
    caseworker.get(f"/api/v1/persons/{person}/activities")
    created = caseworker.post(f"/api/v1/persons/{person}/activities", json={"kind": "vaccination"})
    caseworker.patch(f"/api/v1/activities/{created.get_json()['id']}", json={"status": "done"})
    caseworker.post("/api/v1/moves", json={"person_id": person, "bed_ids": [free[0]]})
    moved = occupancy.current_beds([person])
    occupancy_id = db.session.scalar(
        select(Occupancy.id).where(Occupancy.person_id == person, Occupancy.bed_id == moved[person])
    )
    caseworker.post(f"/api/v1/occupancies/{occupancy_id}/end")
    caseworker.post("/api/v1/occupancies", json={"person_id": person, "bed_id": free[1]})
    caseworker.post("/api/v1/households", json={"member_ids": [person]})
    new = caseworker.post("/api/v1/persons", json={"family_name": "Neu", "gender": "x"})

    rows = db.session.execute(
        select(PersonAudit.person_id, PersonAudit.action, PersonAudit.user_id)
        .where(PersonAudit.id > start)
        .order_by(PersonAudit.id)
    ).all()
    user = caseworker.user.id
    assert [tuple(row) for row in rows] == [
        (person, "read", user),
        (person, "search", user),
        (person, "update", user),
        (person, "activity_read", user),
        (person, "activity_create", user),
        (person, "activity_update", user),
        (person, "move", user),
        (person, "check_out", user),
        (person, "check_in", user),
        (person, "household", user),
        (new.get_json()["id"], "create", user),
    ]
    # The log holds who, when, which and what: no personal data.
    columns = set(PersonAudit.__table__.columns.keys())
    assert columns == {"id", "at", "user_id", "organization_id", "person_id", "action"}
