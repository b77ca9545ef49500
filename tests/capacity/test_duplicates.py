"""Duplicate candidates (transliteration-tolerant name key + birth date, in PostgreSQL)
and merging two persons."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from exchange.capacity import activities, duplicates, occupancy, persons
from exchange.capacity.models import Activity, Occupancy, Person, PersonAudit
from exchange.errors import Conflict
from exchange.extensions import db
from tests.capacity.conftest import bed_ids

BORN = date(1988, 4, 1)
PAIRS = [
    (("Al-Hassan", "Mohammed"), ("Alhasan", "Muhammad")),
    (("El-Khoury", "Youssef"), ("Al Khouri", "Yusuf")),
    (("Hussein", "Fatima"), ("Husain", "Fatma")),
    (("Ibrahim", "Ahmed"), ("Ebrahim", "Ahmad")),
    (("Müller", "Jürgen"), ("Mueller", "Juergen")),
    (("Abd al-Rahman", "Omar"), ("Abdulrahman", "Umar")),
]


def key(family: str, given: str) -> str:
    return db.session.scalar(select(func.registry_name_key(family, given)))


def test_name_key_folds_transliterations():
    assert key("Al-Hassan", "Mohammed") == key("Alhasan", "Muhammad") == key("El Hasan", "Mohamad")
    assert key("Schmidt", "Maria") != key("Schmitz", "Maria")


@pytest.mark.parametrize(("registered", "new"), PAIRS)
def test_candidates_for_transliteration_pairs(
    caseworker_user, district, make_person, registered, new
):
    known = make_person(
        district, family_name=registered[0], given_names=registered[1], birth_date=BORN
    )
    make_person(
        district, family_name=registered[0], given_names=registered[1], birth_date=date(1990, 1, 1)
    )  # same name, other birthday: no candidate
    person, candidates = persons.create_person(
        caseworker_user,
        {"family_name": new[0], "given_names": new[1], "birth_date": BORN, "gender": "m"},
        district.id,
    )
    assert [pid for pid, _score in candidates] == [known.id]
    assert 0.5 <= candidates[0][1] <= 1.0


def test_no_candidates_for_other_birth_date_or_other_district(
    caseworker_user, district, make_person, make_org
):
    make_person(district, family_name="Schmidt", given_names="Maria", birth_date=BORN)
    make_person(
        make_org("district"),
        family_name="Schmidt",
        given_names="Mario",
        birth_date=date(1988, 4, 2),
    )
    make_person(make_org("district"), family_name="Schmidt", given_names="Mario", birth_date=BORN)
    _person, candidates = persons.create_person(
        caseworker_user,
        {
            "family_name": "Schmidt",
            "given_names": "Mario",
            "birth_date": date(1988, 4, 2),
            "gender": "m",
        },
        district.id,
    )
    assert candidates == []


def test_create_person_api_answers_possible_duplicates(as_user, district, make_person):
    known = make_person(district, family_name="Al-Hassan", given_names="Mohammed", birth_date=BORN)
    client = as_user(role="caseworker", org=district)
    response = client.post(
        "/api/v1/persons",
        json={
            "family_name": "Alhasan",
            "given_names": "Muhammad",
            "birth_date": "1988-04-01",
            "gender": "m",
            "organization_id": district.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["possible_duplicates"] == [{"id": known.id, "score": 1.0}]


@pytest.fixture
def caseworker_user(make_user, district):
    return make_user(role="caseworker", org=district)


def test_merge_keeps_both_histories(as_user, district, make_person, make_shelter):
    client = as_user(role="caseworker", org=district)
    actor = client.user
    shelter = make_shelter(district, rooms=[("mixed", 2)], actor=actor)
    first, second = bed_ids(shelter)
    keep = make_person(
        district, family_name="Al-Hassan", given_names="Mohammed", birth_date=BORN, external_id=None
    )
    other = make_person(
        district,
        family_name="Alhasan",
        given_names="Muhammad",
        birth_date=BORN,
        external_id="ST-77",
    )
    occupancy.check_in(actor, other.id, first)
    occupancy.check_out(
        actor, db.session.scalar(select(Occupancy.id).where(Occupancy.person_id == other.id))
    )
    occupancy.check_in(actor, keep.id, second)
    activities.create_activity(actor, other.id, {"kind": "vaccination", "title": "Masern"})
    db.session.flush()

    response = client.post(f"/api/v1/persons/{keep.id}/merge", json={"other_id": other.id})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["external_id"], body["current_bed_id"]) == (keep.id, "ST-77", second)
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count(Occupancy.id)).where(Occupancy.person_id == keep.id))
        == 2
    )
    assert db.session.scalars(
        select(Activity.title).where(Activity.person_id == keep.id)
    ).all() == ["Masern"]
    merged = db.session.get(Person, other.id)
    assert merged.merged_into_id == keep.id and merged.merged_at is not None
    # hidden from search and from duplicate candidates
    found = client.get("/api/v1/persons", query_string={"q": "ha"}).get_json()["items"]
    assert [p["id"] for p in found] == [keep.id]
    assert duplicates.duplicate_candidates(db.session.get(Person, keep.id)) == []
    actions = db.session.scalars(
        select(PersonAudit.action).where(PersonAudit.person_id.in_([keep.id, other.id]))
    ).all()
    assert "merge" in actions and "merged" in actions and "check_in" in actions
    # the admin's audit log of the kept person includes the merged one's rows
    admin = as_user(role="admin", org=district)
    log = admin.get(
        f"/api/v1/organizations/{district.id}/audit",
        query_string={"person_id": keep.id, "limit": 500},
    ).get_json()["items"]
    assert {row["person_id"] for row in log} == {keep.id, other.id}
    again = client.post(f"/api/v1/persons/{keep.id}/merge", json={"other_id": other.id})
    assert again.status_code == 409


def test_merge_refused_when_both_housed_or_out_of_reach(
    as_user, district, make_person, make_shelter, make_org
):
    client = as_user(role="caseworker", org=district)
    actor = client.user
    shelter = make_shelter(district, rooms=[("mixed", 2)], actor=actor)
    a, b = (make_person(district, birth_date=BORN) for _ in range(2))
    for person, bed in zip((a, b), bed_ids(shelter), strict=True):
        occupancy.check_in(actor, person.id, bed)
    with pytest.raises(Conflict):
        duplicates.merge_persons(actor, a.id, b.id)
    response = client.post(f"/api/v1/persons/{a.id}/merge", json={"other_id": b.id})
    assert response.status_code == 409
    stranger = make_person(make_org("district"), birth_date=BORN)
    response = client.post(f"/api/v1/persons/{a.id}/merge", json={"other_id": stranger.id})
    assert response.status_code == 404
    admin = as_user(role="admin", org=district)
    c = make_person(district, birth_date=BORN)
    assert admin.post(f"/api/v1/persons/{c.id}/merge", json={"other_id": a.id}).status_code == 403
    assert db.session.get(Person, b.id).merged_into_id is None


@pytest.mark.parametrize("few_new", [10**6, 0], ids=["looked up by day", "one pass"])
def test_import_candidates_are_the_same_either_way(as_user, district, make_person, monkeypatch,
                                                   few_new):
    """The import's candidates for its new rows, whether each birth date is looked up
    (a few new rows) or the district's persons are joined in one pass (from FEW_NEW on):
    transliterations of known persons on their birth day, nobody for another day, not the
    row's own person, merged persons left out."""
    from tests.capacity.test_import import csv_bytes, post_import
    from tests.dates import iso

    monkeypatch.setattr(duplicates, "FEW_NEW", few_new)
    known = [make_person(district, family_name=f, given_names=g, birth_date=BORN, gender="m")
             for (f, g), _spelt in PAIRS[:3]]
    merged = make_person(district, family_name="Alhasan", given_names="Muhammad",
                         birth_date=BORN, gender="m")
    merged.merged_into_id = known[0].id
    make_person(district, family_name="Hussein", given_names="Fatima",
                birth_date=date(1988, 4, 2), gender="f")
    rows = [f"N-{n};{f};{g};{BORN.isoformat()};m;SYR;ar;{iso(-60)};;;"
            for n, (_known, (f, g)) in enumerate(PAIRS[:3], start=1)]
    rows.append(f"N-4;Kovalenko;Iryna;{BORN.isoformat()};f;UKR;uk;{iso(-60)};;;")
    db.session.flush()
    report = post_import(as_user(role="caseworker", org=district), district.id,
                         csv_bytes(rows)).get_json()
    assert report["created"] == 4
    assert [(d["row"], d["person_id"]) for d in report["duplicates"]] == [
        (2, known[0].id), (3, known[1].id), (4, known[2].id)]
    assert all(d["score"] >= duplicates.DUPLICATE_THRESHOLD for d in report["duplicates"])
