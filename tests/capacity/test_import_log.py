"""The import log (#17): an import's row is stored at its start in a transaction of its
own and names the importing transaction; GET /registry/imports lists the organisation's
latest imports, and one whose transaction ended without an outcome shows as failed."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from exchange.capacity.models import ImportStatus, RegistryImport
from exchange.extensions import db
from tests.capacity.test_import import csv_bytes, post_import


def _ended_transaction(app) -> int:
    """The id of a transaction that has rolled back (as a killed import's would)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        xact_id = connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar()
        connection.rollback()
    engine.dispose()
    return xact_id


def _imports(client, organization_id: int):
    return client.get(f"/api/v1/registry/imports?organization_id={organization_id}")


def test_imports_are_listed_newest_first_with_how_they_ended(as_user, district):
    caseworker = as_user(role="caseworker", org=district)
    assert post_import(caseworker, district.id, csv_bytes()).status_code == 200
    rejected = post_import(caseworker, district.id, csv_bytes(rows=["S-9;;;;;;;;;;"]))
    assert rejected.status_code == 422
    listed = _imports(caseworker, district.id)
    assert listed.status_code == 200
    assert [(i["status"], i["created"]) for i in listed.json] == [("rejected", 0), ("done", 3)]
    assert listed.json[1]["filename"] == "registry.csv" and listed.json[1]["finished_at"]


def test_an_import_whose_transaction_ended_shows_as_failed(app, as_user, district):
    caseworker = as_user(role="caseworker", org=district)
    crashed = RegistryImport(organization_id=district.id, status=ImportStatus.RUNNING.value,
                             xact_id=_ended_transaction(app), filename="abgebrochen.csv")
    running = RegistryImport(organization_id=district.id, status=ImportStatus.RUNNING.value,
                             filename="läuft.csv", xact_id=db.session.execute(
                                 text("SELECT pg_current_xact_id()::text::bigint")).scalar())
    db.session.add_all([crashed, running])
    db.session.flush()
    statuses = {i["filename"]: i["status"] for i in _imports(caseworker, district.id).json}
    assert statuses == {"abgebrochen.csv": "failed", "läuft.csv": "running"}


def test_only_the_districts_caseworkers_see_its_imports(as_user, district, make_org):
    other = make_org("district", name="Landkreis Nebenan")
    caseworker = as_user(role="caseworker", org=district)
    assert post_import(caseworker, district.id, csv_bytes()).status_code == 200
    for stranger in (as_user(role="caseworker", org=other), as_user(role="official", org=district)):
        assert _imports(stranger, district.id).status_code == 404
    assert _imports(caseworker, 2_000_000_000).status_code == 404
    assert _imports(caseworker, 0).status_code == 422
