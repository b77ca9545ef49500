"""The registry import's fast path: the file parsed and checked by PostgreSQL, set-based.

Reading a million rows with Python's csv module and checking each in Python costs several
times what the server's COPY of the same file does, so for a file of the usual shape the
bytes (decoded to UTF-8 on the way, counted and hashed as before) go straight into
``COPY … (FORMAT csv)`` into a temporary table of text columns, numbered by an identity
column in file order (the header is row 1). The checks then run once per distinct value
where the value alone decides (gender, dates, nationality, languages: the very functions
of registry_csv, in Python, over a few thousand values), and in SQL for the per-row rest
(required values, lengths, arrival not before birth; the cell restored and stripped as
registry_csv.clean_cell does, which a test holds them to). The good rows land in
registry_import_rows, the table the slow path fills, and everything after is shared.

The fast path only answers for files it reads exactly as the csv module would: no double
quote anywhere (quoting rules differ for a quote inside a field), no NUL, no blank line,
lines ended by LF or CRLF, every line as many fields as the header, and every row good.
Otherwise it gives up (its savepoint rolled back) and the import reads the file again on
the per-row path, whose report names each bad row and field as it always did; so a file
with errors costs both passes, a good one only this.
"""

from __future__ import annotations

import csv
import io
import time

from sqlalchemy import text

from exchange.db import planner_without
from exchange.extensions import db

from .registry_csv import (
    COLUMNS,
    MAX_LENGTHS,
    OPTIONAL_COLUMNS,
    REQUIRED_VALUES,
    VALUE_CHECKS,
    CountingReader,
    ImportReport,
    clean_cell,
    read_header,
)
from .registry_digest import LineFilter, known_digests

CHUNK = 1 << 20
#: Every character str.strip() removes (PostgreSQL's btrim is given the same set).
PYTHON_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
#: Bytes after which the fast path does not read as the csv module would.
_UNSAFE = (b'"', b"\x00", b"\n\n", b"\n\r\n")


class GiveUp(Exception):
    """The fast path does not answer for this file; the per-row path reads it."""


def clean_sql(column: str) -> str:
    """SQL for registry_csv.clean_cell of a text column (NULL for an empty CSV cell)."""
    cell = f"coalesce({column}, '')"
    restored = (f"CASE WHEN left({cell}, 1) = '''' AND substr({cell}, 2, 1) IN"
                f" ('=', '+', '-', '@', E'\\t', E'\\r', '''') THEN substr({cell}, 2)"
                f" ELSE {cell} END")
    return f"btrim({restored}, :whitespace)"


def load(report: ImportReport, decoding, counting: CountingReader, organization_id: int,
         progress=None) -> None:
    """Fill registry_import_rows from the file's lines not imported already (each with its
    digest; registry_digest), or raise GiveUp (the caller rolls back to its savepoint and
    takes the per-row path). ``report.rows`` counts every line."""
    buffered = io.BufferedReader(decoding, CHUNK)
    header_bytes = buffered.readline()
    if b'"' in header_bytes or b"\r" in header_bytes.rstrip(b"\r\n"):
        raise GiveUp()
    parsed = read_header(io.StringIO(header_bytes.decode("utf-8")), report)
    if parsed is None or not report.ok:
        raise GiveUp()
    header, _records = parsed
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_raw"))
    db.session.execute(text(
        "CREATE TEMPORARY TABLE registry_import_raw (row_number integer NOT NULL,"
        " digest bigint NOT NULL, "
        + ", ".join(f"c{index} text" for index in range(len(header))) + ") ON COMMIT DROP"
    ))
    lines = LineFilter(header_bytes, report.delimiter, known_digests(organization_id))
    _copy(buffered, report, counting, progress, lines,
          ["row_number", "digest", *(f"c{index}" for index in range(len(header)))])
    report.rows = lines.rows
    if lines.sent != db.session.execute(text("SELECT count(*) FROM registry_import_raw")).scalar():
        raise GiveUp()
    column = {name: f"r.c{header.index(name)}" for name in (*COLUMNS, *OPTIONAL_COLUMNS)
              if name in header}
    _check_unread_columns(header)
    _check_values(column)
    _insert_rows(column, lines.sent)
    if lines.repeated_external_ids(organization_id):
        raise GiveUp()  # the per-row path reports the repeated ids (rows of both)


def _copy(buffered, report, counting, progress, lines: LineFilter, columns: list[str]) -> None:
    """COPY the lines of the rest of the file that ``lines`` keeps."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    tail = b""
    last_progress = time.monotonic()
    try:
        with cursor.copy(
            f"COPY registry_import_raw ({', '.join(columns)}) FROM STDIN"
            " (FORMAT csv, DELIMITER %s)", (report.delimiter,)
        ) as copy:
            while chunk := buffered.read(CHUNK):
                if chunk.endswith(b"\r"):
                    chunk += buffered.read(1)  # a CRLF cut by the chunk
                seam = tail + chunk[:2]
                if any(unsafe in chunk or unsafe in seam for unsafe in _UNSAFE):
                    raise GiveUp()
                if b"\r" in chunk and b"\r" in chunk.replace(b"\r\n", b""):
                    raise GiveUp()  # a CR alone ends lines for csv but not here
                tail = chunk[-2:]
                if kept := lines.feed(chunk):
                    copy.write(kept)
                if progress is not None and time.monotonic() - last_progress > 0.25:
                    last_progress = time.monotonic()
                    progress(report.import_id, counting.bytes_read, lines.rows)
            if kept := lines.finish():
                copy.write(kept)
    finally:
        cursor.close()


def _check_unread_columns(header: list[str]) -> None:
    """A cell over the csv module's field limit in a column the import does not read
    stops the per-row path (an error there): give up so that it says so."""
    known = (*COLUMNS, *OPTIONAL_COLUMNS)
    others = [f"length(c{index}) > :limit" for index, name in enumerate(header)
              if name not in known]
    if others and db.session.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM registry_import_raw WHERE {' OR '.join(others)})"),
        {"limit": csv.field_size_limit()},
    ).scalar():
        raise GiveUp()


def _check_values(column: dict[str, str]) -> None:
    """registry_import_<column>: each distinct cell of a column checked by value alone,
    checked once by registry_csv's own functions; GiveUp at the first bad one."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        for name, check in VALUE_CHECKS.items():
            table = f"registry_import_{name}"
            cells = db.session.scalars(text(
                f"SELECT DISTINCT coalesce({column[name]}, '') FROM registry_import_raw AS r"
            )).all()
            db.session.execute(text(f"DROP TABLE IF EXISTS {table}"))
            db.session.execute(text(f"CREATE TEMPORARY TABLE {table} (cell text PRIMARY KEY,"
                                    " value text) ON COMMIT DROP"))
            with cursor.copy(f"COPY {table} (cell, value) FROM STDIN") as copy:
                for cell in cells:
                    value, problem = check(clean_cell(cell))
                    if problem:
                        raise GiveUp()
                    copy.write_row((cell, value.isoformat() if hasattr(value, "isoformat")
                                    else value))
    finally:
        cursor.close()


def _insert_rows(column: dict[str, str], expected: int) -> None:
    """The good rows into registry_import_rows; GiveUp if any row is not good."""
    cleaned = {name: clean_sql(column[name]) if name in column else "''"
               for name in (*COLUMNS, *OPTIONAL_COLUMNS) if name not in VALUE_CHECKS}
    joins = " ".join(
        f"JOIN registry_import_{name} AS v_{name}"
        f" ON v_{name}.cell = coalesce({column[name]}, '')"
        for name in VALUE_CHECKS
    )
    good = [f"t.{name} <> ''" for name in REQUIRED_VALUES if name not in VALUE_CHECKS]
    good += [f"length(t.{name}) <= {limit}" for name, limit in MAX_LENGTHS.items()]
    good.append("v_gender.value IS NOT NULL")
    good.append("(v_arrival_date.value::date >= v_birth_date.value::date) IS NOT FALSE")
    # The row checks multiply into a tiny row estimate and nested loops over a million
    # rows; every join here is a hash join over a small table of values.
    with planner_without("nestloop"):
        inserted = db.session.execute(
            text(
                f"""
                INSERT INTO registry_import_rows
                SELECT r.row_number, t.external_id, t.family_name, t.given_names,
                       v_birth_date.value::date, v_gender.value, v_nationality.value,
                       v_languages.value, v_arrival_date.value::date,
                       nullif(t.household_ref, ''), nullif(t.religion, ''),
                       nullif(t.profession, ''), r.digest
                FROM registry_import_raw AS r
                CROSS JOIN LATERAL (SELECT
                    {", ".join(f"{sql} AS {name}" for name, sql in cleaned.items())}) AS t
                {joins}
                WHERE {" AND ".join(good)}
                """
            ),
            {"whitespace": PYTHON_WHITESPACE},
        ).rowcount
    if inserted != expected:
        raise GiveUp()
