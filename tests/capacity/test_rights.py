"""Data-subject rights (issue 19): the disclosure of everything held about a person
(Art. 15), the correction history (Art. 16), restriction (Art. 18) and erasure (Art. 17),
each only for the person's district."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from exchange.capacity import activities, occupancy, retention
from exchange.capacity.models import Person, PersonAudit, PersonAuditReason, PersonChange
from exchange.capacity.persons import create_household
from exchange.extensions import db
from tests.capacity.conftest import bed_ids
from tests.capacity.test_import import ROWS, csv_bytes, persons_of, post_import
from tests.dates import day, iso


@pytest.fixture
def family(make_org, make_user, make_shelter, make_person):
    """A district with a household of three, all housed, each with its own data."""
    org = make_org("district", name="Landkreis Prüfstadt")
    caseworker = make_user(role="caseworker", org=org)
    shelter = make_shelter(org, rooms=[("family", 4)], name="Haus Lindenhof", actor=caseworker)
    beds = bed_ids(shelter)
    persons = []
    for n, given in enumerate(("Dara", "Soraya", "Kian")):
        person = make_person(
            org, family_name="Karimi", given_names=given, birth_date=day(-9000 - n),
            external_id=f"EXT-{given}", religion=f"religion-{given}",
            health_notes=f"health-{given}", profession=f"profession-{given}",
        )
        persons.append(person)
    create_household(caseworker, [p.id for p in persons], org.id)
    for person, bed in zip(persons, beds, strict=False):
        occupancy.check_in(caseworker, person.id, bed)
        activities.create_activity(caseworker, person.id, {"kind": "custom",
                                                         "title": f"activity-{person.given_names}"})
    db.session.flush()
    return org, shelter, persons


def _audit_actions(person_id: int) -> list[str]:
    return list(db.session.scalars(
        select(PersonAudit.action).where(PersonAudit.person_id == person_id)
        .order_by(PersonAudit.id)))


def test_disclosure_holds_everything_about_the_person_and_only_names_of_the_household(
    as_user, family
):
    org, shelter, (dara, soraya, kian) = family
    caseworker = as_user(role="caseworker", org=org)
    caseworker.patch(f"/api/v1/persons/{soraya.id}", json={"profession": "profession-changed"})
    caseworker.patch(f"/api/v1/persons/{dara.id}", json={"profession": "Koch"})

    answer = caseworker.get(f"/api/v1/persons/{dara.id}/disclosure")
    assert answer.status_code == 200
    data = answer.get_json()
    person = data["person"]
    assert (person["family_name"], person["given_names"]) == ("Karimi", "Dara")
    assert (person["religion"], person["health_notes"]) == ("religion-Dara", "health-Dara")
    assert person["external_id"] == "EXT-Dara" and person["organization"] == org.name
    assert data["household"]["members"] == [
        {"family_name": "Karimi", "given_names": "Soraya"},
        {"family_name": "Karimi", "given_names": "Kian"},
    ]
    assert [(o["shelter"], o["until"]) for o in data["occupancies"]] == [("Haus Lindenhof", None)]
    assert [a["title"] for a in data["activities"]] == ["activity-Dara"]
    assert [(c["field"], c["old_value"], c["new_value"]) for c in data["corrections"]] == [
        ("household_id", None, str(dara.household_id)),
        ("profession", "profession-Dara", "Koch"),
    ]
    assert data["corrections"][-1]["role"] == "caseworker"
    actions = [entry["action"] for entry in data["audit"]]
    assert {"household", "check_in", "activity_create", "update"} <= set(actions)
    assert all(entry["organization"] == org.name for entry in data["audit"])
    # Organisation and role, never who by name or user id.
    assert all(set(entry) == {"at", "action", "reason", "organization", "role"}
               for entry in data["audit"])

    # Nothing of the other two beyond their names.
    text = json.dumps(data)
    for other in (soraya, kian):
        for value in (other.external_id, f"religion-{other.given_names}",
                      f"health-{other.given_names}", f"profession-{other.given_names}",
                      f"activity-{other.given_names}", other.birth_date.isoformat(),
                      "profession-changed"):
            assert value not in text, value
    # Producing it is audited.
    assert _audit_actions(dara.id)[-1] == "disclose"


def test_disclosure_only_for_caseworkers_of_the_district(as_user, family, make_org):
    org, _, (dara, *_rest) = family
    before = _audit_actions(dara.id)
    other = make_org("district")
    assert as_user(role="caseworker", org=other).get(
        f"/api/v1/persons/{dara.id}/disclosure").status_code == 404
    assert as_user(role="admin", org=other).get(
        f"/api/v1/persons/{dara.id}/disclosure").status_code == 404
    assert as_user(role="official", org=org).get(
        f"/api/v1/persons/{dara.id}/disclosure").status_code in (403, 404)
    # The district's admin does not see religion and health: not for them to disclose.
    assert as_user(role="admin", org=org).get(
        f"/api/v1/persons/{dara.id}/disclosure").status_code == 403
    assert as_user(role="caseworker", org=org).get(
        f"/api/v1/persons/{2**31 - 1}/disclosure").status_code == 404
    assert _audit_actions(dara.id) == before


def test_every_correction_keeps_old_and_new_value_by_whom_and_when(as_user, family):
    org, _, (dara, *_rest) = family
    caseworker = as_user(role="caseworker", org=org)
    start = datetime.now(UTC) - timedelta(minutes=1)
    known = set(db.session.scalars(select(PersonChange.id)))  # the household's, from the fixture
    answer = caseworker.patch(
        f"/api/v1/persons/{dara.id}",
        json={"family_name": "Karimy", "languages": ["fa", "de"], "birth_date": iso(-9100),
              "profession": "profession-Dara"},
    )
    assert answer.status_code == 200
    changes = list(db.session.scalars(
        select(PersonChange).where(PersonChange.person_id == dara.id,
                                   PersonChange.id.not_in(known)).order_by(PersonChange.id)))
    assert {(c.field, c.old_value, c.new_value) for c in changes} == {
        ("family_name", "Karimi", "Karimy"),
        ("languages", "ar", "fa de"),
        ("birth_date", day(-9000).isoformat(), iso(-9100)),
    }  # the unchanged profession is no correction
    assert {c.user_id for c in changes} == {caseworker.user.id}
    assert all(c.at >= start for c in changes)

    # Corrections flow into the registry changes export for the state system.
    export = caseworker.get(
        "/api/v1/registry/changes",
        query_string={"organization_id": org.id, "since": start.isoformat(), "format": "csv"},
    )
    assert export.status_code == 200
    rows = [line for line in export.get_data(as_text=True).splitlines() if "EXT-Dara" in line]
    assert len(rows) == 1 and "Karimy" in rows[0]


def test_the_disclosure_page_prints_the_record_and_is_audited(as_user, family):
    org, _, (dara, soraya, _kian) = family
    page = as_user(role="caseworker", org=org).get(f"/persons/{dara.id}/disclosure")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "religion-Dara" in html and "Haus Lindenhof" in html and "Soraya" in html
    assert "religion-Soraya" not in html and "EXT-Soraya" not in html
    assert _audit_actions(dara.id)[-1] == "disclose"
    german = as_user(role="caseworker", org=org).get(
        f"/persons/{soraya.id}/disclosure", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert "Auskunft" in german and "religion-Soraya" in german


# --- restriction (Art. 18) -----------------------------------------------------------------


def test_a_restricted_person_is_hidden_from_all_but_the_districts_admins(
    as_user, family, make_person, make_shelter
):
    org, shelter, (dara, soraya, kian) = family
    caseworker = as_user(role="caseworker", org=org)
    admin = as_user(role="admin", org=org)
    assert caseworker.post(f"/api/v1/persons/{dara.id}/restriction",
                           json={"reason": "objection"}).status_code == 403
    missing = admin.post(f"/api/v1/persons/{dara.id}/restriction", json={})
    assert missing.status_code == 422 and "reason" in json.dumps(missing.get_json())
    blank = admin.post(f"/api/v1/persons/{dara.id}/restriction", json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in json.dumps(blank.get_json())
    # A duplicate of Dara registered, to be found as a candidate.
    twin = make_person(org, family_name="Karimi", given_names="Dara", birth_date=dara.birth_date)

    answer = admin.post(f"/api/v1/persons/{dara.id}/restriction",
                        json={"reason": "Art. 18(1)(a): accuracy contested"})
    assert answer.status_code == 200 and answer.get_json()["restricted_at"]
    db.session.expire_all()

    # Search: gone for the caseworker, there for the admin.
    def found(client) -> set[int]:
        items = client.get("/api/v1/persons", query_string={"q": "karimi"}).get_json()["items"]
        return {p["id"] for p in items}

    assert dara.id not in found(caseworker) and soraya.id in found(caseworker)
    assert dara.id in found(admin)
    # Duplicate candidates of a new registration.
    body = {"family_name": "Karimi", "given_names": "Dara", "gender": "f",
            "birth_date": dara.birth_date.isoformat()}
    by_caseworker = caseworker.post("/api/v1/persons", json=body).get_json()
    assert dara.id not in {d["id"] for d in by_caseworker["possible_duplicates"]}
    assert twin.id in {d["id"] for d in by_caseworker["possible_duplicates"]}
    by_admin = admin.post("/api/v1/persons", json=body).get_json()
    assert dara.id in {d["id"] for d in by_admin["possible_duplicates"]}
    # Placement: the caseworker cannot move or place the restricted person.
    free = bed_ids(shelter)[3]
    assert caseworker.post("/api/v1/moves", json={"person_id": dara.id, "bed_ids": [free]}
                           ).status_code == 404
    assert caseworker.patch(f"/api/v1/persons/{dara.id}", json={"profession": "X"}
                            ).status_code == 404
    assert occupancy.current_beds([dara.id]) != {dara.id: free}


def test_reading_a_restricted_record_needs_a_reason_which_is_audited(as_user, family):
    org, _, (dara, *_rest) = family
    caseworker = as_user(role="caseworker", org=org)
    admin = as_user(role="admin", org=org)
    admin.post(f"/api/v1/persons/{dara.id}/restriction", json={"reason": "objection"})
    before = _audit_actions(dara.id)
    for client in (caseworker, admin):
        for url in (f"/api/v1/persons/{dara.id}", f"/api/v1/persons/{dara.id}/activities"):
            answer = client.get(url)
            assert answer.status_code == 422, url
            assert "reason" in json.dumps(answer.get_json())
    assert _audit_actions(dara.id) == before  # nothing read, nothing logged
    assert caseworker.get(f"/api/v1/persons/{dara.id}/disclosure").status_code == 422
    # The page asks for the reason instead of showing the record.
    page = caseworker.get(f"/persons/{dara.id}").get_data(as_text=True)
    assert 'data-testid="reason-form"' in page and "religion-Dara" not in page

    answer = caseworker.get(f"/api/v1/persons/{dara.id}",
                            query_string={"reason": "court summons 12 O 34/26"})
    assert answer.status_code == 200 and answer.get_json()["given_names"] == "Dara"
    audit_id, action = db.session.execute(
        select(PersonAudit.id, PersonAudit.action).where(PersonAudit.person_id == dara.id)
        .order_by(PersonAudit.id.desc()).limit(1)).one()
    assert action == "read"
    assert db.session.get(PersonAuditReason, audit_id).reason == "court summons 12 O 34/26"
    disclosure = caseworker.get(f"/api/v1/persons/{dara.id}/disclosure",
                                query_string={"reason": "access request"}).get_json()
    assert {"read", "restrict"} <= {e["action"] for e in disclosure["audit"]}
    # Lifted, the record reads without a reason again.
    assert admin.delete(f"/api/v1/persons/{dara.id}/restriction").status_code == 200
    assert caseworker.get(f"/api/v1/persons/{dara.id}").status_code == 200


def test_restriction_and_erasure_of_another_districts_person_answer_404(
    as_user, family, make_org
):
    org, _, (dara, *_rest) = family
    intruder = as_user(role="admin", org=make_org("district"))
    for method, url, body in (
        ("post", f"/api/v1/persons/{dara.id}/restriction", {"reason": "x"}),
        ("delete", f"/api/v1/persons/{dara.id}/restriction", None),
        ("post", f"/api/v1/persons/{dara.id}/erasure", {"reason": "x"}),
        ("get", f"/api/v1/persons/{dara.id}/disclosure", None),
    ):
        call = getattr(intruder, method)
        answer = call(url, json=body) if body is not None else call(url)
        assert answer.status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Person, dara.id).family_name == "Karimi"


# --- erasure (Art. 17) ---------------------------------------------------------------------


def test_erasure_anonymises_at_once_and_keeps_only_that_it_happened(as_user, family):
    org, shelter, (dara, soraya, _kian) = family
    caseworker = as_user(role="caseworker", org=org)
    admin = as_user(role="admin", org=org)
    caseworker.patch(f"/api/v1/persons/{dara.id}", json={"profession": "Koch"})
    # Only admins erase.
    assert caseworker.post(f"/api/v1/persons/{dara.id}/erasure",
                           json={"reason": "Art. 17 request"}).status_code == 403
    admin.post(f"/api/v1/persons/{dara.id}/restriction", json={"reason": "objection"})
    caseworker.get(f"/api/v1/persons/{dara.id}", query_string={"reason": "Dara asked by phone"})

    # Housed: check out first.
    assert admin.post(f"/api/v1/persons/{dara.id}/erasure",
                      json={"reason": "Art. 17 request"}).status_code == 409
    stay = occupancy.open_occupancies_of([dara.id])[0]
    occupancy.check_out(admin.user, stay.id)  # restricted: the admin
    db.session.flush()
    published = admin.get(f"/api/v1/shelters/{shelter.id}/capacity").get_json()
    # (restricted: to the caseworker the record answers 404 now, see above)
    missing = admin.post(f"/api/v1/persons/{dara.id}/erasure", json={})
    assert missing.status_code == 422 and "reason" in json.dumps(missing.get_json())

    answer = admin.post(f"/api/v1/persons/{dara.id}/erasure",
                        json={"reason": "Art. 17(1)(a) request of 1 Dec"})
    assert answer.status_code == 200
    db.session.expire_all()
    person = db.session.get(Person, dara.id)
    assert person.anonymised_at is not None
    assert (person.family_name, person.external_id, person.religion, person.health_notes,
            person.household_id, person.restricted_at) == ("", None, None, None, None, None)
    # The published figures are the same; the occupancy period stays for the statistics.
    assert admin.get(f"/api/v1/shelters/{shelter.id}/capacity").get_json() == published
    # History with data is gone; the audit keeps only the erasure and its reason.
    assert db.session.scalar(select(PersonChange.id).where(PersonChange.person_id == dara.id)
                             ) is None
    reasons = db.session.scalars(select(PersonAuditReason.reason)
                                 .where(PersonAuditReason.person_id == dara.id)).all()
    assert reasons == ["Art. 17(1)(a) request of 1 Dec"]
    assert _audit_actions(dara.id) == ["erase"]  # only that an erasure happened
    # Other members keep their data; the erased one is out of search and refused writes.
    assert db.session.get(Person, soraya.id).religion == "religion-Soraya"
    assert admin.post(f"/api/v1/persons/{dara.id}/erasure",
                      json={"reason": "again"}).status_code == 409
    assert dara.id not in {p["id"] for p in caseworker.get(
        "/api/v1/persons", query_string={"q": "karimi"}).get_json()["items"]}


def test_the_retention_rule_removes_the_correction_history_too(app, as_user, family):
    org, _, (dara, *_rest) = family
    caseworker = as_user(role="caseworker", org=org)
    caseworker.patch(f"/api/v1/persons/{dara.id}", json={"family_name": "Karimy"})
    occupancy.check_out(caseworker.user, occupancy.open_occupancies_of([dara.id])[0].id)
    later = occupancy.database_now() + timedelta(
        days=app.config["REGISTRY_RETENTION_DAYS"] + 1)
    assert retention.purge_registry(later) >= 1
    db.session.expire_all()
    assert db.session.get(Person, dara.id).anonymised_at is not None
    assert db.session.scalar(
        select(PersonChange.id).where(PersonChange.person_id == dara.id)) is None


def test_the_room_plan_shows_no_name_of_a_restricted_person(as_user, family):
    org, shelter, (dara, soraya, _kian) = family
    admin = as_user(role="admin", org=org)
    admin.post(f"/api/v1/persons/{dara.id}/restriction", json={"reason": "objection"})
    before = _audit_actions(dara.id)
    plan = as_user(role="caseworker", org=org).get(f"/shelters/{shelter.id}/plan.json")
    beds = {b["person_id"]: b for r in plan.get_json()["rooms"] for b in r["beds"]}
    assert beds[dara.id]["person_name"] is None and beds[dara.id]["occupied"] is True
    assert beds[soraya.id]["person_name"] == "Karimi, Soraya"
    assert _audit_actions(dara.id) == before


def test_the_forms_of_the_person_page_restrict_and_erase(as_user, family, make_org):
    org, _, (dara, _soraya, kian) = family
    caseworker = as_user(role="caseworker", org=org)
    admin = as_user(role="admin", org=org)
    page = admin.get(f"/persons/{kian.id}").get_data(as_text=True)
    assert 'data-testid="erase-form"' in page and 'data-testid="restrict-form"' in page
    assert 'data-testid="erase-form"' not in caseworker.get(f"/persons/{kian.id}").get_data(
        as_text=True)
    # A caseworker's post is refused with a message; another district's admin gets 404.
    refused = caseworker.post(f"/persons/{kian.id}/erase", data={"reason": "x"})
    assert refused.status_code == 302
    assert as_user(role="admin", org=make_org("district")).post(
        f"/persons/{kian.id}/erase", data={"reason": "x"}).status_code == 404
    # No reason: nothing happens.
    admin.post(f"/persons/{dara.id}/restrict", data={"reason": ""})
    db.session.expire_all()
    assert db.session.get(Person, dara.id).restricted_at is None
    assert db.session.get(Person, kian.id).anonymised_at is None

    assert admin.post(f"/persons/{dara.id}/restrict",
                      data={"reason": "objection"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, dara.id).restriction_reason == "objection"
    assert admin.post(f"/persons/{dara.id}/unrestrict").status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, dara.id).restricted_at is None


def test_an_import_that_changes_a_person_keeps_the_old_values(as_user, district):
    caseworker = as_user(role="caseworker", org=district)
    assert post_import(caseworker, district.id, csv_bytes()).status_code == 200
    changed = [ROWS[0].replace("ar en", "ar"), ROWS[1].replace("Omar", "Omar Ali"), ROWS[2]]
    assert post_import(caseworker, district.id, csv_bytes(changed)).get_json()["updated"] == 2
    persons = persons_of(district)
    rows = db.session.execute(
        select(PersonChange.person_id, PersonChange.field, PersonChange.old_value,
               PersonChange.new_value, PersonChange.user_id)
        .where(PersonChange.organization_id == district.id).order_by(PersonChange.id)).all()
    assert {tuple(r) for r in rows} == {
        (persons["S-1"].id, "languages", "ar en", "ar", caseworker.user.id),
        (persons["S-2"].id, "given_names", "Omar", "Omar Ali", caseworker.user.id),
    }
    disclosure = caseworker.get(f"/api/v1/persons/{persons['S-2'].id}/disclosure").get_json()
    assert [(c["field"], c["old_value"]) for c in disclosure["corrections"]] == [
        ("given_names", "Omar")]
    assert [i["action"] for i in disclosure["imports"]] == ["import_create", "import_update"]


def test_the_disclosure_page_of_another_district_or_a_restricted_person(as_user, family,
                                                                        make_org):
    org, _, (dara, *_rest) = family
    assert as_user(role="caseworker", org=make_org("district")).get(
        f"/persons/{dara.id}/disclosure").status_code == 404
    as_user(role="admin", org=org).post(f"/api/v1/persons/{dara.id}/restriction",
                                         json={"reason": "objection"})
    caseworker = as_user(role="caseworker", org=org)
    asked = caseworker.get(f"/persons/{dara.id}/disclosure").get_data(as_text=True)
    assert 'data-testid="reason-form"' in asked and "religion-Dara" not in asked
    shown = caseworker.get(f"/persons/{dara.id}/disclosure",
                           query_string={"reason": "access request of 2 Dec"})
    assert shown.status_code == 200 and "religion-Dara" in shown.get_data(as_text=True)
    reason = db.session.scalar(
        select(PersonAuditReason.reason).join(PersonAudit, PersonAudit.id ==
                                              PersonAuditReason.audit_id)
        .where(PersonAudit.person_id == dara.id, PersonAudit.action == "disclose"))
    assert reason == "access request of 2 Dec"
