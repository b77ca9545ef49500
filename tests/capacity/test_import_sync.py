"""The daily full registry file (issue 16 point 3): the fast path (registry_bulk) writes
only what changed, gives the per-row path's results, and keeps the name key right."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, text

from exchange.capacity import registry_bulk, registry_import
from exchange.capacity.models import PersonAudit, PersonChange
from exchange.capacity.registry_csv import clean_cell
from exchange.extensions import db
from tests.capacity.test_import import HEADER, ROWS, csv_bytes, persons_of, post_import
from tests.dates import iso

# (family, given) → registry_name_key as migration 0012's function computed it.
NAME_KEYS = {
    ("Müller", "Jürgen"): "mlr jrgn",
    ("Strauß", "Hans-Peter"): "strs hnsptr",
    ("Al-Hassan", "Mohammed"): "alhsn mhmd",
    ("El Khatib", "Youssef"): "alhtb jsf",
    ("Schewtschenko", "Oleksandr"): "shvtshnk alksndr",
    ("Ćosić", "Željko"): "ksk zljk",
    ("Nguyễn", "Thị Minh"): "ngn th mnh",
    ("Abd al-Rahman", "Omar"): "abd alrhmn amr",
    ("Dück", "Ævar"): "dk avr",
    ("Øvrebø", "Åsa"): "avrb as",
    ("Kharkiv-Chenko", "Philipp"): "hrkvhnk flp",
    ("Yilmaz", "Ayşe"): "jlmz as",
}


@pytest.fixture
def caseworker(as_user, district):
    return as_user(role="caseworker", org=district)


class OneWayStream(io.RawIOBase):
    """An upload that cannot be read twice (the fast path is not tried)."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def counts(org) -> tuple[int, int]:
    """(audit rows, correction rows) of the district's persons."""
    audits = db.session.scalar(select(func.count(PersonAudit.id))
                               .where(PersonAudit.organization_id == org.id))
    changes = db.session.scalar(select(func.count(PersonChange.id))
                                .where(PersonChange.organization_id == org.id))
    return audits, changes


def test_reimport_of_the_same_file_writes_nothing(caseworker, district):
    first = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert first["created"] == 3
    before = {p.external_id: p.updated_at for p in persons_of(district).values()}
    audits = counts(district)
    again = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert counts(district) == audits  # no audit row, no correction row
    assert {p.external_id: p.updated_at for p in persons_of(district).values()} == before
    # nor did any row version change (an UPDATE to the same values would make one)
    assert db.session.scalar(text(
        "SELECT count(*) FROM persons WHERE organization_id = :org AND xmin::text::bigint"
        " = pg_current_xact_id()::text::bigint"), {"org": district.id}) == 0


def test_a_changed_row_makes_one_update_and_one_audit_row(caseworker, district):
    post_import(caseworker, district.id, csv_bytes())
    audits, changes = counts(district)
    changed = [ROWS[0], ROWS[1].replace("Omar", "Umar").replace(";ar;", ";ar de;"), ROWS[2]]
    report = post_import(caseworker, district.id, csv_bytes(changed)).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    omar = persons_of(district)["S-2"]
    assert (omar.given_names, omar.languages) == ("Umar", ["ar", "de"])
    assert omar.name_key == db.session.scalar(select(func.registry_name_key("Haddad", "Umar")))
    assert counts(district) == (audits + 1, changes + 2)  # given_names and languages
    actions = db.session.scalars(select(PersonAudit.action).where(
        PersonAudit.person_id == omar.id).order_by(PersonAudit.id)).all()
    assert actions == ["import_create", "import_update"]


def test_new_changed_and_unchanged_rows_in_one_file(caseworker, district):
    post_import(caseworker, district.id, csv_bytes())
    rows = [ROWS[0], ROWS[1], ROWS[2].replace("1985-07-12", "1985-07-13"),
            f"S-4;Kovalenko;Taras;2001-01-01;m;UKR;uk;{iso(-10)};;;"]
    report = post_import(caseworker, district.id, csv_bytes(rows)).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 2)
    assert str(persons_of(district)["S-3"].birth_date) == "1985-07-13"


def test_name_key_is_the_sql_functions_for_tricky_names(caseworker, district):
    rows = [f"N-{number};{family};{given};1990-01-01;m;;;;;;"
            for number, (family, given) in enumerate(NAME_KEYS)]
    report = post_import(caseworker, district.id, csv_bytes(rows)).get_json()
    assert report["created"] == len(NAME_KEYS), report
    keys = {(p.family_name, p.given_names): p.name_key for p in persons_of(district).values()}
    assert keys == NAME_KEYS
    for (family, given), expected in NAME_KEYS.items():  # the one source of the rule
        assert db.session.scalar(select(func.registry_name_key(family, given))) == expected


def test_name_key_follows_a_rename_by_any_writer(district, make_person):
    person = make_person(district, family_name="Müller", given_names="Jürgen")
    db.session.flush()
    db.session.refresh(person)
    assert person.name_key == "mlr jrgn"
    person.family_name = "Strauß"
    db.session.flush()
    db.session.refresh(person)
    assert person.name_key == db.session.scalar(select(func.registry_name_key("Strauß", "Jürgen")))


@pytest.mark.parametrize("quirk", ["quoted", "blank line", "one way"])
def test_the_per_row_path_gives_the_same_registry(caseworker, district, make_org, as_user,
                                                   make_user, quirk):
    """Files the fast path leaves to the per-row path import the same."""
    fast = csv_bytes()
    post_import(caseworker, district.id, fast)
    other = make_org(kind="district")
    actor = make_user(role="caseworker", org=other)
    importer = as_user(user=actor)
    if quirk == "quoted":
        slow = csv_bytes([ROWS[0].replace("Haddad", '"Haddad"'), *ROWS[1:]])
    elif quirk == "blank line":
        slow = csv_bytes([ROWS[0], "", *ROWS[1:]])
    else:
        slow = fast
    if quirk == "one way":
        report = registry_import.import_registry(actor, other.id, OneWayStream(slow))
        assert report.created == 3
    else:
        assert post_import(importer, other.id, slow).get_json()["created"] == 3

    def shape(org):
        return sorted(
            (p.external_id, p.family_name, p.given_names, p.birth_date, p.gender, p.nationality,
             tuple(p.languages), p.arrival_date, p.religion, p.profession, p.name_key,
             p.household_id is not None)
            for p in persons_of(org).values())

    assert shape(other) == shape(district)


def test_a_bad_row_is_named_the_same_whichever_path(caseworker, district):
    rows = [ROWS[0], ROWS[1].replace(";m;", ";q;"), ROWS[2]]
    response = post_import(caseworker, district.id, csv_bytes(rows))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "gender")]
    assert persons_of(district) == {}


CELLS = ["Müller", " Müller ", "\u00a0Müller\u3000", "\tx\r", "'=SUM(A1)", "''x", "'t Hooft",
         "'", "''", "'+49", "' x", "\u2007y\u2029", "x\u200b", "", None]


def test_sql_cleaning_of_a_cell_is_the_pythons():
    """registry_bulk.clean_sql (the fast path) and registry_csv.clean_cell (the per-row
    path) restore and strip a cell alike."""
    for cell in CELLS:
        sql = db.session.scalar(
            text(f"SELECT {registry_bulk.clean_sql('CAST(:cell AS text)')}"),
            {"cell": cell, "whitespace": registry_bulk.PYTHON_WHITESPACE},
        )
        assert sql == clean_cell(cell), repr(cell)


def test_header_only_file_imports_nothing(caseworker, district):
    report = post_import(caseworker, district.id, (HEADER + "\n").encode()).get_json()
    assert (report["rows"], report["created"]) == (0, 0)
