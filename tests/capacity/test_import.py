"""Registry import (API.md "Registry CSV"): through the API and `exchange import-registry`."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from exchange.capacity.models import Household, Person, PersonAudit, RegistryImport
from exchange.extensions import db
from tests.dates import day, iso

HEADER = (
    "external_id;family_name;given_names;birth_date;gender;nationality;languages;"
    "arrival_date;household_ref;religion;profession"
)
# Arrival dates lie in the past whatever the day (an arrival in the future is refused).
ARRIVED = day(-60)
ROWS = [
    f"S-1;Haddad;Lina;1994-03-02;f;SYR;ar en;{ARRIVED.isoformat()};H-1;muslim;Lehrerin",
    f"S-2;Haddad;Omar;02.05.1990;m;SYR;ar;{ARRIVED:%d.%m.%Y};H-1;;",
    f"S-3;Kovalenko;Iryna;1985-07-12;f;UKR;uk ru;{iso(-80)};;;Ärztin",
]


def csv_bytes(rows=ROWS, delimiter=";", bom=False, header=HEADER) -> bytes:
    text = "\n".join([header, *rows]).replace(";", delimiter) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


@pytest.fixture
def caseworker(as_user, district):
    return as_user(role="caseworker", org=district)


def post_import(client, org_id, data: bytes, dry_run=False):
    return client.post(
        "/api/v1/registry/imports",
        data={
            "organization_id": str(org_id),
            "dry_run": "true" if dry_run else "false",
            "file": (io.BytesIO(data), "registry.csv"),
        },
        content_type="multipart/form-data",
    )


def persons_of(org) -> dict[str, Person]:
    db.session.expire_all()
    return {
        p.external_id: p
        for p in db.session.scalars(select(Person).where(Person.organization_id == org.id))
    }


def test_good_file_imports_and_reimport_changes_nothing(caseworker, district):
    response = post_import(caseworker, district.id, csv_bytes())
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert report["errors"] == [] and report["rows"] == 3
    persons = persons_of(district)
    lina, omar, iryna = persons["S-1"], persons["S-2"], persons["S-3"]
    assert (lina.given_names, str(lina.birth_date), lina.languages) == (
        "Lina",
        "1994-03-02",
        ["ar", "en"],
    )
    assert (lina.religion, lina.profession) == ("muslim", "Lehrerin")
    assert str(omar.birth_date) == "1990-05-02" and omar.arrival_date == ARRIVED
    # households from household_ref: one per ref
    assert lina.household_id is not None and lina.household_id == omar.household_id
    assert iryna.household_id is None
    assert db.session.get(Household, lina.household_id).ref == "H-1"
    audits = db.session.scalars(
        select(PersonAudit.action).where(PersonAudit.person_id.in_([lina.id, omar.id, iryna.id]))
    ).all()
    assert sorted(audits) == ["import_create"] * 3
    log = db.session.get(RegistryImport, report["import_id"])
    assert (log.status, log.created, log.rows_total, len(log.sha256)) == ("done", 3, 3, 64)

    again = post_import(caseworker, district.id, csv_bytes()).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["sha256"] == report["sha256"]
    assert (
        db.session.scalar(
            select(func.count(Household.id)).where(Household.organization_id == district.id)
        )
        == 1
    )

    changed = [ROWS[0], ROWS[1].replace("Omar", "Omar Ali"), ROWS[2]]
    third = post_import(caseworker, district.id, csv_bytes(changed)).get_json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    assert persons_of(district)["S-2"].given_names == "Omar Ali"


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [False, True])
def test_delimiters_and_bom(caseworker, district, delimiter, bom):
    response = post_import(caseworker, district.id, csv_bytes(delimiter=delimiter, bom=bom))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["created"] == 3
    # Ärztin makes it UTF-8 (not ASCII); the BOM is reported, not read as a header.
    assert (report["encoding"], report["bom"], report["delimiter"]) == ("utf-8", bom, delimiter)
    assert set(persons_of(district)) == {"S-1", "S-2", "S-3"}


def test_bad_rows_write_nothing_and_are_all_named(caseworker, district):
    good = [f"G-{n};Name{n};Given;1990-01-01;m;SYR;ar;{iso(-300)};;;" for n in range(50)]
    rows = [
        *good[:10],
        f"B-1;;Given;1990-01-01;m;SYR;ar;{iso(-300)};;;",  # row 12: family_name
        *good[10:30],
        f"B-2;Name;Given;1990-13-01;q;SYR;arabic;{iso(-300)};;;",  # row 33: 3 fields
        *good[30:],
        f"G-5;Twice;Given;1990-01-01;m;SYR;ar;{iso(-300)};;;",  # row 54: external_id
    ]
    response = post_import(caseworker, district.id, csv_bytes(rows))
    assert response.status_code == 422
    report = response.get_json()
    named = {(e["row"], e["field"]) for e in report["errors"]}
    assert named == {
        (12, "family_name"),
        (33, "birth_date"),
        (33, "gender"),
        (33, "languages"),
        (54, "external_id"),
    }
    assert report["created"] == 0
    assert persons_of(district) == {}
    log = db.session.get(RegistryImport, report["import_id"])
    assert (log.status, log.error_count) == ("rejected", 5)


def test_missing_columns_are_named_with_their_german_headers(caseworker, district):
    response = post_import(caseworker, district.id, b"external_id;Familienname\nA;B\n")
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert error["field"] == "header"
    assert "given_names (Vorname)" in error["message"] and "family_name" not in error["message"]
    assert persons_of(district) == {}


# What German Excel saves as "CSV (Trennzeichen-getrennt)": Windows-1252, ';', German
# headers and dates, w/d for gender.
GERMAN_HEADER = (
    "Aktenzeichen;Familienname;Vorname;Geburtsdatum;Geschlecht;Staatsangehörigkeit;Sprachen;"
    "Ankunftsdatum;Haushalt;Beruf"
)
GERMAN_ROWS = [
    f"D-1;Weiß;Käthe;2.5.1990;w;DEU;de, en;{ARRIVED:%d.%m.%Y};;Ärztin",
    f"D-2;Schäfer;Ünal;17.11.1985;d;TUR;tr de;{ARRIVED:%d.%m.%Y};H-7;",
    f"D-3;Haddad;Rüya;01.02.2001;W;SYR;ar;{ARRIVED:%d.%m.%Y};H-7;Schülerin",
    f"D-4;Öztürk;Mehmet;03.04.1979;M;TUR;tr;{ARRIVED:%d.%m.%Y};;",
]


def test_windows_1252_with_german_headers_genders_and_dates(caseworker, district):
    data = "\r\n".join([GERMAN_HEADER, *GERMAN_ROWS, ""]).encode("cp1252")
    response = post_import(caseworker, district.id, data)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["encoding"], report["bom"], report["delimiter"]) == ("windows-1252", False, ";")
    assert report["created"] == 4
    persons = persons_of(district)
    kaethe, uenal, rueya, mehmet = (persons[f"D-{n}"] for n in range(1, 5))
    assert (kaethe.family_name, kaethe.given_names, kaethe.gender) == ("Weiß", "Käthe", "f")
    assert (str(kaethe.birth_date), kaethe.languages, kaethe.profession) == (
        "1990-05-02", ["de", "en"], "Ärztin")
    assert (uenal.family_name, uenal.given_names, uenal.gender) == ("Schäfer", "Ünal", "x")
    assert (rueya.given_names, rueya.gender, mehmet.family_name, mehmet.gender) == (
        "Rüya", "f", "Öztürk", "m")
    assert uenal.household_id == rueya.household_id is not None
    assert kaethe.arrival_date == ARRIVED
    # The same file again changes nothing; saved as UTF-8 it is the same data.
    again = post_import(caseworker, district.id, data).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    utf8 = post_import(caseworker, district.id, data.decode("cp1252").encode()).get_json()
    assert (utf8["encoding"], utf8["unchanged"]) == ("utf-8", 4)


def test_errors_name_the_column_as_the_file_writes_it(caseworker, district):
    rows = [GERMAN_ROWS[0], GERMAN_ROWS[1].replace(";d;", ";q;").replace("17.11.", "31.02.")]
    data = "\n".join([GERMAN_HEADER, *rows]).encode("cp1252")
    response = post_import(caseworker, district.id, data)
    assert response.status_code == 422
    errors = {(e["row"], e["field"], e["column"]) for e in response.get_json()["errors"]}
    assert errors == {(3, "gender", "Geschlecht"), (3, "birth_date", "Geburtsdatum")}
    assert persons_of(district) == {}


def test_english_headers_in_other_words_and_a_utf16_tab_file(caseworker, district):
    header = ("File number\tLast name\tFirst name\tDate of birth\tSex\tCitizenship\t"
              "Languages\tArrival date\tHousehold")
    row = f"E-1\tNguyễn\tThị\t1992-08-09\tfemale\tVNM\tvi\t{ARRIVED}\t"
    response = post_import(caseworker, district.id, f"{header}\r\n{row}\r\n".encode("utf-16"))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["encoding"], report["bom"], report["delimiter"]) == ("utf-16", True, "\t")
    person = persons_of(district)["E-1"]
    assert (person.family_name, person.given_names, person.gender) == ("Nguyễn", "Thị", "f")


@pytest.mark.parametrize(("data", "encoding"), [
    # Valid UTF-8 first (so the file is UTF-8), a Windows-1252 byte later.
    (csv_bytes([ROWS[0].replace("Lina", "Lïna"), ROWS[1].replace("Omar", "Omär")])
     .replace("Omär".encode(), "Omär".encode("cp1252")), "UTF-8"),
    # Windows-1252 first, then a byte Windows-1252 does not define.
    (csv_bytes([ROWS[0].replace("Lina", "Lïna"), ROWS[1]]).decode().encode("cp1252")
     + b"S-4;N\x81;x;;m;;;;;;\n", "Windows-1252"),
])
def test_bytes_the_detected_encoding_cannot_read_are_named(caseworker, district, data,
                                                            encoding):
    response = post_import(caseworker, district.id, data)
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert error["field"] == "file" and f"{encoding}-Text" in error["message"]  # German UI
    assert persons_of(district) == {}


def test_dry_run_writes_nothing(caseworker, district):
    response = post_import(caseworker, district.id, csv_bytes(), dry_run=True)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["dry_run"], report["created"], report["unchanged"]) == (True, 3, 0)
    assert persons_of(district) == {}
    assert (
        db.session.scalar(
            select(func.count(Household.id)).where(Household.organization_id == district.id)
        )
        == 0
    )


def test_other_district_is_404_and_officials_cannot(caseworker, as_user, make_org, district):
    other = make_org("district")
    assert post_import(caseworker, other.id, csv_bytes()).status_code == 404
    assert post_import(caseworker, 987654, csv_bytes()).status_code == 404
    official = as_user(role="official", org=district)
    assert post_import(official, district.id, csv_bytes()).status_code == 404
    assert persons_of(other) == {} and persons_of(district) == {}


def test_import_reports_duplicates(caseworker, district, make_person):
    known = make_person(
        district,
        family_name="Al-Hassan",
        given_names="Mohammed",
        birth_date=__import__("datetime").date(1988, 4, 1),
        gender="m",
    )
    rows = [f"N-1;Alhasan;Muhammad;1988-04-01;m;SYR;ar;{iso(-60)};;;"]
    report = post_import(caseworker, district.id, csv_bytes(rows)).get_json()
    assert report["created"] == 1
    assert report["duplicates"] == [{"row": 2, "person_id": known.id, "score": 1.0}]


def test_cli_dry_run_and_import(run, tmp_path, district, make_user):
    make_user(role="caseworker", org=district)
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes(bom=True))
    dry = run("import-registry", str(path), "--organization", str(district.id), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 3 row(s): 3 created" in dry.output
    assert persons_of(district) == {}
    done = run("import-registry", str(path), "--organization", str(district.id))
    assert done.exit_code == 0, done.output
    assert "Imported 3 row(s): 3 created" in done.output
    assert "Read as UTF-8 with a byte order mark." in done.output
    assert set(persons_of(district)) == {"S-1", "S-2", "S-3"}
    path.write_bytes(csv_bytes([ROWS[0], "S-2;;x;1990-01-01;m;SYR;ar;;;;"]))
    bad = run("import-registry", str(path), "--organization", str(district.id))
    assert bad.exit_code == 1
    assert "row 3, family_name" in bad.output and "nothing was written" in bad.output


def test_progress_goes_to_the_importing_users_sockets(caseworker, district, socket_client):
    from tests.conftest import own_app_context

    sock = socket_client(caseworker)
    assert sock.is_connected()
    report = post_import(caseworker, district.id, csv_bytes()).get_json()
    with own_app_context():
        events = [e for e in sock.get_received() if e["name"] == "import_progress"]
    assert events, "no import_progress event"
    last = events[-1]["args"][0]
    assert last["rows_done"] == 3 and last["bytes_read"] == len(csv_bytes())
    assert last["bytes_total"] >= last["bytes_read"]
    assert last["import_id"] == report["import_id"] is not None


def test_import_has_its_own_request_limit(app, caseworker, district, monkeypatch):
    # Larger than the general MAX_CONTENT_LENGTH (documents), within the import's own.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200)
    data = csv_bytes()
    assert len(data) > 200
    assert post_import(caseworker, district.id, data).status_code == 200
    monkeypatch.setitem(app.config, "REGISTRY_IMPORT_MAX_BYTES", 200)
    assert post_import(caseworker, district.id, data).status_code == 413


def test_a_field_over_the_csv_limit_is_a_row_error_not_a_500(caseworker, district):
    """A field over the csv module's 131,072 characters aborted the COPY: an HTML 500."""
    rows = [ROWS[0], "S-2;" + "x" * 200_000 + ";Omar;1990-05-02;m;SYR;ar;;;;", ROWS[2]]
    response = post_import(caseworker, district.id, csv_bytes(rows))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "row")]
    assert "field larger than field limit" in errors[0]["message"]
    assert persons_of(district) == {}


def test_nul_and_lone_surrogates_in_a_csv_field_are_named_by_row_and_field(caseworker,
                                                                           district):
    rows = [ROWS[0], ROWS[1].replace("Omar", "Om\x00ar"), ROWS[2]]
    response = post_import(caseworker, district.id, csv_bytes(rows))
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.get_json()["errors"]] == [
        (3, "given_names")]
    assert persons_of(district) == {}


def test_a_nul_byte_in_the_file_name_is_422(caseworker, district):
    response = caseworker.post(
        "/api/v1/registry/imports",
        data={"organization_id": str(district.id),
              "file": (io.BytesIO(csv_bytes()), "registry\x00.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["files"]) == ["file"]
    assert persons_of(district) == {}
