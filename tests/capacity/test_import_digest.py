"""The daily full file's unchanged lines are skipped by their digest (registry_digest,
migration 0035): what the file says still wins over a correction made here, a changed
line is written, the same file writes nothing, and the report is the per-row path's."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text

from exchange.capacity import registry_import
from exchange.capacity.models import Person, PersonAudit
from exchange.capacity.registry_digest import LineFilter
from exchange.extensions import db
from tests.capacity.test_import import ARRIVED, ROWS, csv_bytes, persons_of, post_import
from tests.capacity.test_import_sync import OneWayStream, counts


@pytest.fixture
def caseworker(as_user, district):
    return as_user(role="caseworker", org=district)


def digests(org) -> dict[str, int | None]:
    return {external_id: person.import_digest for external_id, person in persons_of(org).items()}


def row_versions(org) -> dict[int, str]:
    """The district's person rows' versions (a write of any kind makes a new one)."""
    return dict(db.session.execute(text(
        "SELECT id, ctid::text || ' ' || xmin::text FROM persons WHERE organization_id = :org"),
        {"org": org.id}).all())


def actions_of(person_id: int) -> list[str]:
    return db.session.scalars(select(PersonAudit.action).where(
        PersonAudit.person_id == person_id).order_by(PersonAudit.id)).all()


def test_each_imported_person_carries_its_lines_digest(caseworker, district):
    post_import(caseworker, district.id, csv_bytes())
    first = digests(district)
    assert all(first.values()) and len(set(first.values())) == 3
    changed = [ROWS[0], ROWS[1].replace("Omar", "Umar"), ROWS[2]]
    report = post_import(caseworker, district.id, csv_bytes(changed)).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    second = digests(district)
    assert second["S-2"] not in (None, first["S-2"])
    assert {k: v for k, v in second.items() if k != "S-2"} == {
        k: v for k, v in first.items() if k != "S-2"}


def test_the_same_file_again_skips_every_line_and_writes_nothing(caseworker, district):
    post_import(caseworker, district.id, csv_bytes())
    audits = counts(district)
    before = row_versions(district)
    report = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert (report["rows"], report["created"], report["updated"], report["unchanged"]) == (
        3, 0, 0, 3)
    assert counts(district) == audits
    assert row_versions(district) == before  # no row version at all, not even a digest


def test_a_correction_here_is_undone_by_yesterdays_file_again(caseworker, district):
    """The file is the registry of record: a caseworker's correction of a field the file
    carries clears the digest, so the same line is written over it and audited."""
    post_import(caseworker, district.id, csv_bytes())
    omar, lina = persons_of(district)["S-2"], persons_of(district)["S-1"]
    patched = caseworker.patch(f"/api/v1/persons/{omar.id}", json={"given_names": "Umar"})
    assert patched.status_code == 200, patched.get_json()
    other = caseworker.post("/api/v1/households", json={
        "organization_id": district.id, "member_ids": [lina.id], "ref": "H-9"})
    assert other.status_code == 201, other.get_json()
    assert (digests(district)["S-1"], digests(district)["S-2"]) == (None, None)
    report = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 2, 1)
    persons = persons_of(district)
    assert persons["S-2"].given_names == "Omar"
    assert persons["S-1"].household_id == persons["S-2"].household_id  # H-1 again
    assert actions_of(omar.id)[-1] == "import_update"
    assert all(digests(district).values())


def test_a_change_outside_the_files_fields_keeps_the_digest(district, make_person):
    person = make_person(district, external_id="K-1")
    db.session.execute(text("UPDATE persons SET import_digest = 42 WHERE id = :id"),
                       {"id": person.id})
    db.session.execute(text("UPDATE persons SET health_notes = 'asthma', restricted_at = now()"
                            " WHERE id = :id"), {"id": person.id})
    assert db.session.get(Person, person.id, populate_existing=True).import_digest == 42
    db.session.execute(text("UPDATE persons SET birth_date = birth_date WHERE id = :id"),
                       {"id": person.id})  # the same value: nothing changed
    assert db.session.get(Person, person.id, populate_existing=True).import_digest == 42
    db.session.execute(text("UPDATE persons SET nationality = 'IRQ' WHERE id = :id"),
                       {"id": person.id})
    assert db.session.get(Person, person.id, populate_existing=True).import_digest is None
    db.session.execute(text("UPDATE persons SET import_digest = 42 WHERE id = :id"),
                       {"id": person.id})
    db.session.execute(text("UPDATE persons SET anonymised_at = now() WHERE id = :id"),
                       {"id": person.id})  # erasure: no digest of the old line is kept
    assert db.session.get(Person, person.id, populate_existing=True).import_digest is None


def test_a_person_the_file_leaves_as_it_is_gets_the_digest(caseworker, district):
    """A person created here with the file's values is unchanged by the file, and its
    line is skipped from then on."""
    post_import(caseworker, district.id, csv_bytes())
    db.session.execute(text("UPDATE persons SET import_digest = NULL WHERE organization_id = :org"),
                       {"org": district.id})
    report = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert (report["updated"], report["unchanged"]) == (0, 3)
    assert all(digests(district).values())


def report_of(actor, org, data: bytes, one_way: bool):
    stream = OneWayStream(data) if one_way else io.BytesIO(data)
    report = registry_import.import_registry(actor, org.id, stream)
    return (report.rows, report.created, report.updated, report.unchanged,
            [(e["row"], e["field"], e["message"]) for e in report.errors],
            [(d["row"], d["score"]) for d in report.duplicates])


@pytest.mark.parametrize("today", [
    "changed and new",        # the usual day
    "a line twice",           # a skipped line repeated: its external id twice
    "an id twice",            # a skipped line's external id on a changed line
])
def test_the_report_is_the_per_row_paths(make_org, make_user, today):
    """Yesterday's file and then today's into one district on the fast path (lines
    skipped) and into another on the per-row path (every line read): the same report."""
    yesterday = csv_bytes()
    rows = {
        "changed and new": [ROWS[0], ROWS[1].replace("Omar", "Umar"), ROWS[2],
                            ROWS[2].replace("S-3", "S-4").replace("Iryna", "Irina")],
        "a line twice": [ROWS[0], ROWS[1], ROWS[2], ROWS[0]],
        "an id twice": [ROWS[0], ROWS[1], ROWS[2], ROWS[1].replace("Omar", "Umar")],
    }[today]
    reports = []
    for one_way in (False, True):
        org = make_org(kind="district")
        actor = make_user(role="caseworker", org=org)
        assert report_of(actor, org, yesterday, one_way)[1] == 3
        reports.append(report_of(actor, org, csv_bytes(rows), one_way))
    fast, slow = reports
    assert fast == slow
    if today == "changed and new":
        assert fast[1:4] == (1, 1, 2) and [row for row, _score in fast[5]] == [5]
    else:
        assert [(row, field) for row, field, _message in fast[4]] == [(5, "external_id")]


def numbers_and_digests(kept: bytes) -> list[tuple[int, bytes]]:
    """(row number, digest as persons.import_digest's 8 bytes) of each kept line."""
    return [(int(line.split(b";")[0]), int(line.split(b";")[1]).to_bytes(8, "big", signed=True))
            for line in kept.rstrip(b"\n").split(b"\n") if line]


def test_line_filter_numbers_lines_and_checks_a_repeated_line():
    lines = LineFilter(b"a;b\n", ";", {})
    kept = lines.feed(b"x;1\ny;") + lines.feed(b"2\nx;1") + lines.finish()
    assert [number for number, _ in numbers_and_digests(kept)] == [2, 3, 4]
    assert kept.split(b"\n")[1].endswith(b";y;2") and lines.rows == 3
    x_digest = numbers_and_digests(kept)[0][1]  # yesterday's file had the line x;1
    again = LineFilter(b"a;b\n", ";", {x_digest: True})
    kept = again.feed(b"x;1\ny;2\n") + again.feed(b"x;1\n") + again.finish()
    assert [number for number, _ in numbers_and_digests(kept)] == [3, 4]  # x;1 again: checked
    assert (again.rows, again.sent, again.skipped) == (3, 2, 1)
    twice = LineFilter(b"a;b\n", ";", {x_digest: True})
    assert numbers_and_digests(twice.feed(b"x;1\ny;2\nx;1\n"))[-1] == (4, x_digest)
    other_header = LineFilter(b"a;b;c\n", ";", {x_digest: True})
    assert other_header.feed(b"x;1\n").count(b"\n") == 1  # another layout: not known


def many_rows(count: int) -> list[str]:
    """``count`` lines of persons in households of two (H-1, H-1, H-2, H-2, …)."""
    return [f"M-{n};Nasser;Name{n};1990-01-{n % 28 + 1:02d};f;SYR;ar;{ARRIVED.isoformat()};"
            f"H-{(n + 1) // 2};;" for n in range(1, count + 1)]


def test_few_changed_lines_find_their_households_by_key(caseworker, district):
    """A day with fewer than a tenth of the lines changed takes the path of index
    lookups (registry_digest.few_kept): a line moved into a household the district
    knows, one into a new household, and a new line are written as the per-row rules
    say, with their correction rows and digests, and the file again writes nothing."""
    yesterday = many_rows(40)
    post_import(caseworker, district.id, csv_bytes(yesterday))
    today = list(yesterday)
    today[4] = today[4].replace(";H-3;", ";H-1;")       # M-5 into a known household
    today[6] = today[6].replace(";H-4;", ";H-NEW;")     # M-7 into a new one
    today.append(many_rows(41)[40].replace("M-41", "M-NEW").replace(";H-21;", ";;"))
    audits, changes = counts(district)
    report = post_import(caseworker, district.id, csv_bytes(today)).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 2, 38)
    persons = persons_of(district)
    assert persons["M-5"].household_id == persons["M-1"].household_id
    assert persons["M-7"].household_id not in (None, persons["M-8"].household_id)
    assert persons["M-NEW"].household_id is None
    assert counts(district) == (audits + 3, changes + 2)
    assert all(digests(district).values())
    before = row_versions(district)
    again = post_import(caseworker, district.id, csv_bytes(today)).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 41)
    assert row_versions(district) == before


def test_a_lines_digest_is_its_personalised_blake2b():
    """The digests stay those persons carry already (8-byte BLAKE2b of the line,
    personalised by the header and DIGEST_VERSION), however the filter computes them."""
    import hashlib

    lines = LineFilter(b"external_id;family_name\r\n", ";", {})
    body = [b"S-1;Haddad", b"S-2;Kovalenko", b""]
    kept = lines.feed(b"\n".join(body) + b"\n").split(b"\n")[:-1]
    assert [int(line.split(b";")[1]) for line in kept] == [
        int.from_bytes(hashlib.blake2b(line, digest_size=8, person=lines.person).digest(),
                       "big", signed=True) for line in body]
