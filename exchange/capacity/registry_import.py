"""Import of the state system's registry CSV (registry_csv describes the file).

The file is read as a stream (never whole in memory). The usual file is parsed and
checked by the server (registry_bulk, the fast path), its lines a person was imported from
already skipped by their digest (registry_digest); any other, or one with a bad row, is
read (again) record by record: each is checked (registry_csv.check_row) and the good ones
are COPYed into a temporary table; duplicate external ids are then found in SQL over that
table. Any error: nothing of the registry is written (the temporary table goes with the
transaction) and the report names every bad row and field (the first MAX_ERRORS, and how
many more). Otherwise, in the same transaction (registry_apply): households are made from
``household_ref`` (one per ref and organisation), then, for the new or changed rows only,
one INSERT … ON CONFLICT (organization_id, external_id) DO UPDATE … WHERE something
changed writes the persons (``xmax = 0`` in RETURNING tells created from updated; rows
not returned are unchanged), and the audit rows (import_create / import_update) are
written from that RETURNING in the same statement. Re-importing the same file changes
nothing.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import IO

import psycopg
from flask import current_app
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from exchange import spreadsheet_csv
from exchange.db import set_statement_timeout
from exchange.errors import Forbidden, NotFound, Text
from exchange.extensions import db
from exchange.hygiene import text_problem
from exchange.profiles.models import Organization, Role, User
from exchange.spreadsheet_encoding import UTF8, DecodingReader

from . import registry_apply, registry_bulk
from .access import CASE_ROLES, capacity_scope, may_see_restricted, require_in_scope
from .duplicates import import_duplicates
from .models import ImportStatus, RegistryImport
from .occupancy import database_now
from .registry_csv import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    CountingReader,
    ImportReport,
    check_row,
    read_header,
)

CHUNK = 1 << 16
Progress = Callable[[int, int, int], None]  # (import id, bytes read, rows done)
_TEMP_COLUMNS = ", ".join(("row_number", *COLUMNS, *OPTIONAL_COLUMNS))


def _create_temp_table() -> None:
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_rows"))
    db.session.execute(
        text(
            """
            CREATE TEMPORARY TABLE registry_import_rows (
                row_number integer NOT NULL,
                external_id text NOT NULL,
                family_name text NOT NULL,
                given_names text NOT NULL,
                birth_date date,
                gender text NOT NULL,
                nationality text,
                languages text NOT NULL,
                arrival_date date,
                household_ref text,
                religion text,
                profession text,
                digest bigint
            ) ON COMMIT DROP
            """
        )
    )
    # Name keys (registry_name_key) computed during the import, once per distinct name:
    # the duplicate candidates fold the new rows' names, the write reuses them.
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_keys"))
    db.session.execute(text(
        "CREATE TEMPORARY TABLE registry_import_keys (family_name text, given_names text,"
        " name_key text, PRIMARY KEY (family_name, given_names)) ON COMMIT DROP"
    ))


def import_registry(
    actor: User,
    organization_id: int,
    stream: IO[bytes],
    dry_run: bool = False,
    filename: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the state system's registry CSV into an organisation's registry (its
    caseworkers). Returns the report; the caller commits (a rejected or dry run wrote
    nothing but its registry_imports row)."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    require_in_scope(actor, organization_id, CASE_ROLES)
    if organization_id not in capacity_scope(actor, {Role.CASEWORKER}):
        raise Forbidden("Only caseworkers import the registry.")
    set_statement_timeout(current_app.config["DATABASE_IMPORT_STATEMENT_TIMEOUT_MS"])
    fail_ended_imports(organization_id)
    log = _record_start(RegistryImport(
        organization_id=organization_id,
        user_id=actor.id if actor is not None else None,
        filename=(filename or "")[:255] or None,
        dry_run=dry_run,
        status=ImportStatus.RUNNING.value,
    ))
    report = ImportReport(import_id=log.id, dry_run=dry_run)

    with db.session.begin_nested():
        _create_temp_table()
        counting, decoding, report = _read(stream, report, organization_id, progress)
        present_optional = {name for name in OPTIONAL_COLUMNS if name in report.headers}
        # Plans by real counts; statistics of the columns the statements after join,
        # group or filter by (not of the other eight).
        db.session.execute(text("ANALYZE registry_import_rows (external_id, family_name,"
                                " given_names, birth_date, household_ref)"))
        _check_duplicate_external_ids(report)
        if report.ok:
            report.duplicates = import_duplicates(
                organization_id, may_see_restricted(actor, organization_id)
            )
            if dry_run:
                registry_apply.count_changes(organization_id, present_optional, report)
            else:
                registry_apply.write(actor, organization_id, present_optional, report)
        db.session.execute(text("DROP TABLE IF EXISTS registry_import_rows, registry_import_keys"))
    # Read what is left (e.g. a trailing partial line) for the hash and the size.
    while counting.read(CHUNK):
        pass
    report.sha256 = counting.sha256.hexdigest()
    report.encoding, report.bom = decoding.encoding or UTF8, decoding.bom
    if progress is not None:
        progress(report.import_id, counting.bytes_read, report.rows)
    log.sha256 = report.sha256
    log.size = counting.bytes_read
    log.rows_total = report.rows
    log.created, log.updated, log.unchanged = report.created, report.updated, report.unchanged
    log.error_count = len(report.errors) + report.more_errors
    log.duplicate_count = len(report.duplicates)
    log.status = ImportStatus.DONE.value if report.ok else ImportStatus.REJECTED.value
    log.finished_at = database_now()
    db.session.flush()
    return report


def _read(stream: IO[bytes], report: ImportReport, organization_id: int,
          progress: Progress | None) -> tuple[CountingReader, DecodingReader, ImportReport]:
    """Read the file into registry_import_rows: on the fast path (registry_bulk) when the
    stream can be read again should that give up, else (or then) row by row in Python.
    The counting and decoding readers of the read that counts, and its report."""
    if stream.seekable():
        start = stream.tell()
        counting = CountingReader(stream)
        decoding = DecodingReader(counting)
        # A savepoint of its own, not the session's: giving up must not expire the
        # session's objects (the fast path touches none of them).
        connection = db.session.connection().connection.driver_connection
        connection.execute("SAVEPOINT registry_bulk")
        try:
            registry_bulk.load(report, decoding, counting, organization_id, progress)
            connection.execute("RELEASE SAVEPOINT registry_bulk")
            return counting, decoding, report
        except (registry_bulk.GiveUp, UnicodeDecodeError, DBAPIError, psycopg.Error):
            connection.execute("ROLLBACK TO SAVEPOINT registry_bulk")
            connection.execute("RELEASE SAVEPOINT registry_bulk")
            stream.seek(start)
            report = ImportReport(import_id=report.import_id, dry_run=report.dry_run)
    counting = CountingReader(stream)
    decoding = DecodingReader(counting)  # UTF-8 (BOM or not), Windows-1252 or UTF-16
    text_stream = io.TextIOWrapper(
        io.BufferedReader(decoding, CHUNK), encoding="utf-8", errors="strict", newline=""
    )
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        parsed = read_header(text_stream, report)
        if parsed is not None:
            header, records = parsed
            _copy_rows(cursor, header, records, report, counting, progress)
    except UnicodeDecodeError as exc:
        report.add_error(report.rows + 2, "file", _not_text(exc))
    except csv.Error as exc:
        report.add_error(report.rows + 2, "file", Text("Unreadable CSV: %(reason)s.",
                                                      reason=str(exc)))
    finally:
        cursor.close()
    return counting, decoding, report


def _record_start(log: RegistryImport) -> RegistryImport:
    """Store the import's row at once, in a transaction of its own, so that it stays even
    when the import does not end (a killed process): it names the importing transaction,
    whose end without an outcome makes it ``failed`` (fail_ended_imports). A session bound
    to one connection (the tests' transaction) has no other: a savepoint stands in."""
    log.xact_id = db.session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar()
    bind = db.session.get_bind()
    if not isinstance(bind, Engine):
        db.session.add(log)
        db.session.flush()
        return log
    columns = {column.key: getattr(log, column.key) for column in RegistryImport.__table__.c
               if column.key not in ("id", "started_at") and getattr(log, column.key) is not None}
    with bind.begin() as connection:
        import_id = connection.execute(insert(RegistryImport).values(**columns)
                                       .returning(RegistryImport.id)).scalar_one()
    return db.session.get(RegistryImport, import_id)


def recent_imports(actor: User, organization_id: int, limit: int = 20) -> list[RegistryImport]:
    """The organisation's latest imports, newest first, for its caseworkers (404 for
    anyone else); one whose transaction ended without an outcome shows as failed."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    if organization_id not in capacity_scope(actor, {Role.CASEWORKER}):
        raise NotFound()
    fail_ended_imports(organization_id)
    return list(db.session.scalars(
        select(RegistryImport).where(RegistryImport.organization_id == organization_id)
        .order_by(RegistryImport.id.desc()).limit(limit)))


def fail_ended_imports(organization_id: int) -> int:
    """Mark ``failed`` the organisation's imports still ``running`` whose transaction has
    ended (rolled back, or its process killed: PostgreSQL aborts it); the number marked."""
    return db.session.execute(text(
        "UPDATE registry_imports SET status = 'failed', finished_at = now()"
        " WHERE organization_id = :organization_id AND status = 'running'"
        " AND coalesce(pg_xact_status(xact_id::text::xid8), 'aborted') <> 'in progress'"
    ), {"organization_id": organization_id}).rowcount


def _not_text(exc: UnicodeDecodeError) -> Text:
    """The message for bytes the file's encoding cannot read (its name in ``encoding``,
    as DecodingReader tells it)."""
    return Text("Not %(encoding)s text (the encoding was told by the file's first "
                "characters that are not ASCII): save it as CSV UTF-8.", encoding=exc.encoding)


def _copy_rows(cursor, header, records, report, counting, progress) -> None:
    width = len(header)
    last_progress = time.monotonic()
    with cursor.copy(f"COPY registry_import_rows ({_TEMP_COLUMNS}) FROM STDIN") as copy:
        number = 1  # the header is row 1, as in a spreadsheet
        while True:
            number += 1
            try:
                fields_ = next(records)
            except StopIteration:
                break
            except csv.Error as exc:
                # A field over the csv module's limit or the like: a row error, and the COPY
                # ends cleanly (an exception through it would abort the transaction).
                report.rows += 1
                report.add_error(number, "row", Text("Unreadable CSV: %(reason)s.",
                                                     reason=str(exc)))
                break
            except UnicodeDecodeError as exc:
                report.rows += 1
                report.add_error(number, "file", _not_text(exc))
                break
            if not any(value.strip() for value in fields_):
                continue  # blank lines
            report.rows += 1
            if len(fields_) > width:
                report.add_error(number, "row", Text("%(fields)s fields for %(columns)s columns.",
                                                     fields=len(fields_), columns=width))
                continue
            bad = [(name, problem) for name, value in zip(header, fields_, strict=False)
                   if (problem := text_problem(value))]
            if bad:  # PostgreSQL text cannot hold them (hygiene.text_problem)
                for name, problem in bad:
                    report.add_error(number, name, problem)
                continue
            # Cells the app's own export quoted against formulas are read as they were.
            cells = map(spreadsheet_csv.restore, fields_)
            row = check_row(number, dict(zip(header, cells, strict=False)), report)
            if row is not None:
                # Copied even after errors: duplicate external ids are found over all good rows.
                copy.write_row(row)
            if progress is not None and time.monotonic() - last_progress > 0.25:
                last_progress = time.monotonic()
                progress(report.import_id, counting.bytes_read, report.rows)


def _check_duplicate_external_ids(report: ImportReport) -> None:
    rows = db.session.execute(
        text(
            """
            SELECT external_id, array_agg(row_number ORDER BY row_number)
            FROM registry_import_rows GROUP BY external_id HAVING count(*) > 1
            ORDER BY min(row_number)
            """
        )
    )
    for external_id, numbers in rows:
        for number in numbers[1:]:
            report.add_error(
                number, "external_id", Text("%(external_id)s appears in row %(row)s already.",
                                            external_id=external_id[:64], row=numbers[0])
            )
