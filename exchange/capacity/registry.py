"""The registry's exchange with the state system: CSV import, duplicate candidates,
merging duplicates, and the corrections made here for return (changes export).

Import (``import_registry``): the file is read once, as a stream (never whole in memory):
each record is checked (required fields, dates, gender, languages, lengths) and the good
ones are COPYed into a temporary table; duplicate external ids are then found in SQL over
that table. Any error: nothing of the registry is written (the temporary table goes with
the transaction) and the report names every bad row and field (the first MAX_ERRORS,
and how many more). Otherwise, in the same transaction: households are made from
``household_ref`` (one per ref and organisation), then one INSERT … ON CONFLICT
(organization_id, external_id) DO UPDATE … WHERE something changed writes the persons
(``xmax = 0`` in RETURNING tells created from updated; rows not returned are unchanged),
and the audit rows (import_create / import_update) are written from that RETURNING in the
same statement. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import select, text

from exchange import spreadsheet_csv
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text, localise
from exchange.extensions import db
from exchange.hygiene import text_problem
from exchange.profiles.models import Organization, Role, User

from . import services
from .models import Activity, Gender, ImportStatus, Occupancy, Person, RegistryImport

#: The registry CSV's columns (API.md), in the order the changes export writes them.
COLUMNS = (
    "external_id",
    "family_name",
    "given_names",
    "birth_date",
    "gender",
    "nationality",
    "languages",
    "arrival_date",
    "household_ref",
)
OPTIONAL_COLUMNS = ("religion", "profession")
REQUIRED_VALUES = ("external_id", "family_name", "gender")
MAX_LENGTHS = {
    "external_id": 64,
    "family_name": 200,
    "given_names": 200,
    "household_ref": 64,
    "religion": 100,
    "profession": 200,
}
MAX_ERRORS = 1000
MAX_DUPLICATES = 1000
DUPLICATE_THRESHOLD = services.DUPLICATE_THRESHOLD
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
NATIONALITY_CODE = re.compile(r"^[A-Z]{2,3}$")
CHUNK = 1 << 16
#: Audit actions of the import: the changes export leaves them out (they came from there).
IMPORT_CREATE = "import_create"
IMPORT_UPDATE = "import_update"
MERGE = "merge"
MERGED = "merged"
EXPORT = "export"
#: Audit actions that are corrections made in Exchange (what the changes export returns).
CORRECTIONS = (
    services.AuditAction.CREATE,
    services.AuditAction.UPDATE,
    services.AuditAction.HOUSEHOLD,
    MERGE,
)

Progress = Callable[[int, int, int], None]  # (import id, bytes read, rows done)


@dataclass
class ImportReport:
    import_id: int | None = None
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    more_errors: int = 0
    duplicates: list[dict] = field(default_factory=list)
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, field_name: str, message: str) -> None:
        """A bad row. The message is English (the CLI prints it as it is); a literal one
        is extracted into the catalogue (exchange.i18n), one with values is a Text."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": field_name, "message": message})
        else:
            self.more_errors += 1

    def as_json(self) -> dict:
        return {
            "import_id": self.import_id,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            # in the language of the request (English outside one), like service errors
            "errors": [{**error, "message": localise(error["message"])}
                       for error in self.errors],
            "more_errors": self.more_errors,
            "duplicates": self.duplicates,
            "sha256": self.sha256,
        }


class _CountingReader(io.RawIOBase):
    """A binary stream that counts and hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.raw.read(len(buffer))
        if not chunk:
            return 0
        size = len(chunk)
        buffer[:size] = chunk
        self.bytes_read += size
        self.sha256.update(chunk)
        return size


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
GENDERS = frozenset(g.value for g in Gender)


def _parse_date(value: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY (by pattern: strptime is slow at a million rows)."""
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _GERMAN_DATE.match(value)
        if not match:
            raise ValueError(Text("Use YYYY-MM-DD or DD.MM.YYYY."))
        day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(Text("No such day.")) from None


def _today() -> date:
    return date.today()


def _check_row(number: int, record: dict[str, str], report: ImportReport) -> tuple | None:
    """The row as a tuple for COPY, or None after adding its errors to the report."""
    ok = True

    def add_error(name: str, message: str) -> None:
        nonlocal ok
        ok = False
        report.add_error(number, name, message)

    values = {name: (record.get(name) or "").strip() for name in (*COLUMNS, *OPTIONAL_COLUMNS)}
    for name in REQUIRED_VALUES:
        if not values[name]:
            add_error(name, "Missing data for required field.")
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            add_error(name, Text("Longer than %(limit)s characters.", limit=limit))
    if values["gender"] and values["gender"] not in GENDERS:
        add_error("gender", "Use f, m or x.")
    dates: dict[str, date | None] = {}
    today = _today()
    for name in ("birth_date", "arrival_date"):
        dates[name] = None
        if values[name]:
            try:
                dates[name] = _parse_date(values[name])
            except ValueError as exc:
                add_error(name, exc.args[0])
                continue
            if dates[name] > today or dates[name].year < 1900:
                add_error(name, "Not a plausible date (from 1900 until today).")
    if (
        dates["birth_date"]
        and dates["arrival_date"]
        and dates["arrival_date"] < dates["birth_date"]
    ):
        add_error("arrival_date", "Not before birth_date.")
    nationality = values["nationality"].upper()
    if nationality and not NATIONALITY_CODE.match(nationality):
        add_error("nationality", "Use an ISO 3166 country code (two or three letters).")
    languages = values["languages"].lower().split()
    bad = [code for code in languages if not LANGUAGE_CODE.match(code)]
    if bad:
        add_error("languages", Text("Not ISO 639-1 codes: %(codes)s.", codes=" ".join(bad)[:100]))
    elif len(languages) > 20:
        add_error("languages", "At most 20 languages.")
    if not ok:
        return None
    return (
        number,
        values["external_id"],
        values["family_name"],
        values["given_names"],
        dates["birth_date"].isoformat() if dates["birth_date"] else None,
        values["gender"],
        nationality or None,
        " ".join(dict.fromkeys(languages)),
        dates["arrival_date"].isoformat() if dates["arrival_date"] else None,
        values["household_ref"] or None,
        values["religion"] or None,
        values["profession"] or None,
    )


def _records(text_stream: IO[str], report: ImportReport) -> tuple[list[str], Iterator] | None:
    """The header (lower-cased names) and the record iterator; None after an error about
    the header. The delimiter is ';' or ',', whichever the header line holds more of."""
    header_line = text_stream.readline()
    if not header_line.strip():
        report.add_error(1, "file", "The file is empty (a header row is needed).")
        return None
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        report.add_error(1, "header", Text("Missing columns: %(columns)s.",
                                           columns=", ".join(missing)))
        return None
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        report.add_error(1, "header", Text("Columns named twice: %(columns)s.",
                                           columns=", ".join(doubled)))
        return None
    return header, csv.reader(text_stream, delimiter=delimiter)


_TEMP_COLUMNS = (
    "row_number, external_id, family_name, given_names, birth_date, gender, nationality, "
    "languages, arrival_date, household_ref, religion, profession"
)


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
                profession text
            ) ON COMMIT DROP
            """
        )
    )


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
    services._require_in_scope(actor, organization_id, services.CASE_ROLES)
    if organization_id not in services.capacity_scope(actor, {Role.CASEWORKER}):
        raise Forbidden("Only caseworkers import the registry.")
    log = RegistryImport(
        organization_id=organization_id,
        user_id=actor.id if actor is not None else None,
        filename=(filename or "")[:255] or None,
        dry_run=dry_run,
        status=ImportStatus.RUNNING.value,
    )
    db.session.add(log)
    db.session.flush()
    report = ImportReport(import_id=log.id, dry_run=dry_run)

    counting = _CountingReader(stream)
    text_stream = io.TextIOWrapper(
        io.BufferedReader(counting, CHUNK), encoding="utf-8-sig", errors="strict", newline=""
    )
    present_optional: set[str] = set()
    with db.session.begin_nested():
        _create_temp_table()
        cursor = db.session.connection().connection.driver_connection.cursor()
        try:
            parsed = _records(text_stream, report)
            if parsed is not None:
                header, records = parsed
                present_optional = {name for name in OPTIONAL_COLUMNS if name in header}
                _copy_rows(cursor, header, records, report, counting, progress)
        except UnicodeDecodeError:
            report.add_error(report.rows + 2, "file", "Not UTF-8 text.")
        except csv.Error as exc:
            report.add_error(report.rows + 2, "file", Text("Unreadable CSV: %(reason)s.",
                                                          reason=str(exc)))
        finally:
            cursor.close()
        db.session.execute(text("ANALYZE registry_import_rows"))  # plans by real counts
        _check_duplicate_external_ids(report)
        if report.ok:
            report.duplicates = _import_duplicates(
                organization_id, services.sees_restricted(actor, organization_id)
            )
            if dry_run:
                _count_changes(organization_id, present_optional, report)
            else:
                _write(actor, organization_id, present_optional, report)
        db.session.execute(text("DROP TABLE IF EXISTS registry_import_rows"))
    # Read what is left (e.g. a trailing partial line) for the hash and the size.
    while counting.read(CHUNK):
        pass
    report.sha256 = counting.sha256.hexdigest()
    if progress is not None:
        progress(report.import_id, counting.bytes_read, report.rows)
    log.sha256 = report.sha256
    log.size = counting.bytes_read
    log.rows_total = report.rows
    log.created, log.updated, log.unchanged = report.created, report.updated, report.unchanged
    log.error_count = len(report.errors) + report.more_errors
    log.duplicate_count = len(report.duplicates)
    log.status = ImportStatus.DONE.value if report.ok else ImportStatus.REJECTED.value
    log.finished_at = services._database_now()
    db.session.flush()
    return report


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
            except UnicodeDecodeError:
                report.rows += 1
                report.add_error(number, "file", "Not UTF-8 text.")
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
            row = _check_row(number, dict(zip(header, cells, strict=False)), report)
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


def _import_duplicates(organization_id: int, restricted: bool = False) -> list[dict]:
    """Rows new to the registry (their external id unknown here) that look like a person
    registered already: same birth date, similar name key (restricted persons only for
    the district's admins, ``restricted``)."""
    rows = db.session.execute(
        text(
            """
            WITH new_rows AS MATERIALIZED (
                -- rows new here, each name folded once (not once per pair)
                SELECT r.row_number, r.external_id, r.birth_date,
                       registry_name_key(r.family_name, r.given_names) AS name_key
                FROM registry_import_rows AS r
                WHERE r.birth_date IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM persons AS known
                                  WHERE known.organization_id = :org
                                    AND known.external_id = r.external_id)
            )
            SELECT n.row_number, p.id,
                   round(similarity(p.name_key, n.name_key)::numeric, 3) AS score
            FROM new_rows AS n
            JOIN persons AS p
              ON p.organization_id = :org AND p.birth_date = n.birth_date
             AND p.merged_into_id IS NULL AND p.anonymised_at IS NULL
             AND p.external_id IS DISTINCT FROM n.external_id
             AND (p.restricted_at IS NULL OR :restricted)
            WHERE similarity(p.name_key, n.name_key) >= :threshold
            ORDER BY n.row_number, score DESC, p.id
            LIMIT :limit
            """
        ),
        {"org": organization_id, "threshold": DUPLICATE_THRESHOLD, "limit": MAX_DUPLICATES,
         "restricted": restricted},
    )
    return [{"row": row, "person_id": pid, "score": float(score)} for row, pid, score in rows]


def _source_sql(present_optional: set[str]) -> str:
    """The temporary rows as persons' columns (household ids looked up by ref)."""
    return f"""
        SELECT :org AS organization_id, r.external_id, r.family_name, r.given_names,
               r.birth_date, r.gender, r.nationality,
               CASE WHEN r.languages = '' THEN '{{}}'::varchar[]
                    ELSE string_to_array(r.languages, ' ')::varchar[] END AS languages,
               r.arrival_date, h.id AS household_id,
               {"r.religion" if "religion" in present_optional else "NULL"} AS religion,
               {"r.profession" if "profession" in present_optional else "NULL"} AS profession
        FROM registry_import_rows AS r
        LEFT JOIN households AS h ON h.organization_id = :org AND h.ref = r.household_ref
    """


def _updated_values(present_optional: set[str], new: str, old: str) -> dict[str, str]:
    """column → the value an update gives it: the file's, except that a missing household
    ref keeps the household set here, and absent optional columns keep their values."""
    values = {
        name: f"{new}.{name}"
        for name in (
            "family_name",
            "given_names",
            "birth_date",
            "gender",
            "nationality",
            "languages",
            "arrival_date",
        )
    }
    values["household_id"] = f"coalesce({new}.household_id, {old}.household_id)"
    for name in OPTIONAL_COLUMNS:
        values[name] = f"{new}.{name}" if name in present_optional else f"{old}.{name}"
    return values


def _changed_condition(values: dict[str, str], old: str) -> str:
    names = list(values)
    return (
        f"({', '.join(f'{old}.{n}' for n in names)}) IS DISTINCT FROM "
        f"({', '.join(values[n] for n in names)})"
    )


def _count_changes(organization_id: int, present_optional: set[str], report: ImportReport) -> None:
    """What the import would do (dry run), computed without writing."""
    values = _updated_values(present_optional, "s", "p")
    # Households that would be new are unknown now: their rows count by the other fields.
    values["household_id"] = "coalesce(s.household_id, p.household_id)"
    row = db.session.execute(
        text(
            f"""
            WITH s AS ({_source_sql(present_optional)})
            SELECT count(*) FILTER (WHERE p.id IS NULL),
                   count(*) FILTER (WHERE p.id IS NOT NULL AND {_changed_condition(values, "p")})
            FROM s LEFT JOIN persons AS p
              ON p.organization_id = :org AND p.external_id = s.external_id
            """
        ),
        {"org": organization_id},
    ).one()
    report.created, report.updated = int(row[0]), int(row[1])
    report.unchanged = report.rows - report.created - report.updated


def _as_text_sql(expression: str, name: str) -> str:
    """A column's value as text the way services._as_text writes it (person_changes)."""
    if name == "languages":
        return f"nullif(array_to_string({expression}, ' '), '')"
    return f"({expression})::text"


def _record_import_changes(actor: User, organization_id: int, present_optional: set[str]) -> None:
    """Before the import updates known persons: each field it changes into person_changes
    with the old and the new value (GDPR Art. 16: every change keeps what it was), in one
    statement over all rows."""
    values = _updated_values(present_optional, "s", "p")
    pairs = ", ".join(
        f"('{name}', {_as_text_sql(f'p.{name}', name)}, {_as_text_sql(value, name)})"
        for name, value in values.items()
    )
    db.session.execute(
        text(
            f"""
            INSERT INTO person_changes
                (person_id, organization_id, user_id, field, old_value, new_value)
            SELECT p.id, :org, :user_id, v.field, v.old_value, v.new_value
            FROM ({_source_sql(present_optional)}) AS s
            JOIN persons AS p ON p.organization_id = :org AND p.external_id = s.external_id
            CROSS JOIN LATERAL (VALUES {pairs}) AS v(field, old_value, new_value)
            WHERE p.anonymised_at IS NULL AND v.old_value IS DISTINCT FROM v.new_value
            """
        ),
        {"org": organization_id, "user_id": actor.id if actor is not None else None},
    )


def _write(actor: User, organization_id: int, present_optional: set[str], report) -> None:
    db.session.execute(
        text(
            """
            INSERT INTO households (organization_id, ref)
            SELECT DISTINCT :org, household_ref FROM registry_import_rows
            WHERE household_ref IS NOT NULL
            ON CONFLICT ON CONSTRAINT uq_households_ref DO NOTHING
            """
        ),
        {"org": organization_id},
    )
    _record_import_changes(actor, organization_id, present_optional)
    values = _updated_values(present_optional, "EXCLUDED", "persons")
    columns = (
        "organization_id, external_id, family_name, given_names, birth_date, gender, "
        "nationality, languages, arrival_date, household_id, religion, profession"
    )
    row = db.session.execute(
        text(
            f"""
            WITH written AS (
                INSERT INTO persons ({columns})
                SELECT {columns} FROM ({_source_sql(present_optional)}) AS s
                ON CONFLICT ON CONSTRAINT uq_persons_external_id DO UPDATE
                SET {", ".join(f"{n} = {v}" for n, v in values.items())}, updated_at = now()
                WHERE persons.anonymised_at IS NULL AND {_changed_condition(values, "persons")}
                RETURNING id, (xmax = 0) AS created
            ), audited AS (
                INSERT INTO person_audit (user_id, organization_id, person_id, action)
                SELECT :user_id, :org, id, CASE WHEN created THEN :create ELSE :update END
                FROM written
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)
            FROM written
            """
        ),
        {
            "org": organization_id,
            "user_id": actor.id if actor is not None else None,
            "create": IMPORT_CREATE,
            "update": IMPORT_UPDATE,
        },
    ).one()
    report.created, report.updated = int(row[0]), int(row[1])
    report.unchanged = report.rows - report.created - report.updated


# --- duplicates ----------------------------------------------------------------------------


duplicate_candidates = services.duplicate_candidates


def merge_persons(actor: User, keep_id: int, other_id: int) -> Person:
    """Merge ``other_id`` (a duplicate) into ``keep_id`` (caseworkers of the district), in
    one transaction: the other's occupancies and activities move to the kept person, the
    other is marked merged_into (history only, hidden from search; its audit rows are
    read with the kept person's, see services.list_audit) and gives its external id and
    household when the kept person has none. 409 if both are housed now, or if their
    periods overlap, or if one is merged or anonymised already."""
    if keep_id == other_id:
        raise InvalidInput({"other_id": "A person is not merged with themselves."})
    keep, other = (
        {p.id: p for p in services._persons_in_reach(actor, [keep_id, other_id], lock=True)}[i]
        for i in (keep_id, other_id)
    )
    if keep.organization_id not in services.capacity_scope(actor, {Role.CASEWORKER}):
        raise Forbidden("Only caseworkers merge persons.")
    if keep.organization_id != other.organization_id:
        raise InvalidInput({"other_id": "Not of the same organisation."})
    services._check_not_anonymised([keep, other])
    if keep.merged_into_id is not None or other.merged_into_id is not None:
        raise Conflict("This person has been merged already.")
    open_ = services._open_occupancies_of([keep.id, other.id])
    if len({o.person_id for o in open_}) == 2:
        message = "Both persons are housed now; check one of them out first."
        raise Conflict(message, {"json": {"other_id": [message]}})
    try:
        with db.session.begin_nested():
            db.session.execute(
                Occupancy.__table__.update()
                .where(Occupancy.person_id == other.id)
                .values(person_id=keep.id)
            )
    except Exception as exc:  # the exclusion constraint: the histories overlap
        if getattr(getattr(exc, "orig", None), "sqlstate", None) != "23P01":
            raise
        message = "Their stays overlap in time; they cannot be one person."
        raise Conflict(message, {"json": {"other_id": [message]}}) from exc
    db.session.execute(
        Activity.__table__.update().where(Activity.person_id == other.id).values(person_id=keep.id)
    )
    if keep.external_id is None and other.external_id is not None:
        external_id, other.external_id = other.external_id, None
        db.session.flush()
        keep.external_id = external_id
    if keep.household_id is None and other.household_id is not None:
        keep.household_id = other.household_id
    other.merged_into_id = keep.id
    other.merged_at = services._database_now()
    db.session.flush()
    services.audit(actor, [keep], MERGE)
    services.audit(actor, [other], MERGED)
    db.session.expire(keep)
    return keep


# --- changes for the state system ----------------------------------------------------------


@dataclass
class ChangedPerson:
    person: Person
    household_ref: str | None
    changed_at: datetime


def registry_changes(actor: User, organization_id: int, since: datetime) -> list[ChangedPerson]:
    """Persons of the organisation corrected here (created, updated, put in a household,
    merged; not by the import) since ``since``, for return to the state system
    (caseworkers of the district); each one returned is audited (export)."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    if organization_id not in services.capacity_scope(actor, {Role.CASEWORKER}):
        raise NotFound()
    rows = db.session.execute(
        text(
            """
            SELECT person_id, max(at) FROM person_audit
            WHERE organization_id = :org AND at >= :since AND action = ANY(:actions)
            GROUP BY person_id
            """
        ),
        {"org": organization_id, "since": since, "actions": list(CORRECTIONS)},
    ).all()
    changed_at = dict(rows)
    if not changed_at:
        return []
    result = db.session.execute(
        select(Person, services.Household.ref)
        .outerjoin(services.Household, services.Household.id == Person.household_id)
        .where(
            Person.id.in_(sorted(changed_at)),
            Person.organization_id == organization_id,
            Person.anonymised_at.is_(None),
        )
        .order_by(Person.id)
    ).all()
    persons = [ChangedPerson(person, ref, changed_at[person.id]) for person, ref in result]
    services.audit(actor, [c.person for c in persons], EXPORT)
    return persons


def changes_csv(changes: list[ChangedPerson]) -> Iterator[str]:
    """The changes in the import's column layout (;-separated, UTF-8 with a BOM, cells a
    spreadsheet would run as formulas quoted: exchange/spreadsheet_csv.py), plus the
    person's id here, whether it was merged into another, and when it was last changed."""
    buffer = io.StringIO()
    buffer.write(spreadsheet_csv.BOM)
    writer = spreadsheet_csv.SafeWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([*COLUMNS, *OPTIONAL_COLUMNS, "person_id", "merged_into_id", "changed_at"])
    for change in changes:
        person = change.person
        writer.writerow(
            [
                person.external_id or "",
                person.family_name,
                person.given_names,
                person.birth_date.isoformat() if person.birth_date else "",
                person.gender,
                person.nationality or "",
                " ".join(person.languages or []),
                person.arrival_date.isoformat() if person.arrival_date else "",
                change.household_ref or "",
                person.religion or "",
                person.profession or "",
                person.id,
                person.merged_into_id or "",
                change.changed_at.isoformat(),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not changes:
        yield buffer.getvalue()


def changes_json(changes: list[ChangedPerson]) -> list[dict[str, Any]]:
    from .schemas import person_json

    items = []
    beds = services.current_beds(c.person.id for c in changes)
    for change in changes:
        data = person_json(change.person, beds.get(change.person.id), special=True)
        data["household_ref"] = change.household_ref
        data["merged_into_id"] = change.person.merged_into_id
        data["changed_at"] = change.changed_at.isoformat()
        items.append(data)
    return items
