"""Applying a checked registry file (the temporary table registry_import_rows) to the
registry, set-based, writing only what changed.

One join of the file's rows with the district's persons (by external id) picks the rows
that are new or differ in a field the file carries (registry_import_changed); everything
after works on those alone: the name keys (registry_name_key, migration 0012: a dozen
regular expressions) are computed once per distinct name among them, the correction
history (person_changes) and the persons' INSERT … ON CONFLICT … DO UPDATE with its audit
rows read only them. A daily full file with 1 % changed thus touches 1 % of the table,
its indexes and the audit log; re-importing the same file writes nothing. Each person
written keeps its line's digest (registry_digest), and so does one the file leaves as it
is whose digest was not that one (_record_digests).
"""

from __future__ import annotations

from sqlalchemy import text

from exchange.extensions import db
from exchange.profiles.models import User

from .audit import AuditAction
from .duplicates import fold_names
from .registry_csv import COLUMNS, OPTIONAL_COLUMNS, PERSON_COLUMNS, ImportReport
from .registry_digest import few_kept, index_lookups

#: From this many written rows on, the GIN indexes are loaded in bulk: the rows' trigram
#: entries go to the indexes' pending lists (fastupdate) up to GIN_PENDING_KB and are
#: merged into the trees once, sorted, by gin_clean_pending_list at the end of the write
#: (half the time of a merge every 4 MB, the default, in a measurement at 100k rows).
BULK_ROWS = 10_000
GIN_PENDING_KB = 1 << 20
WORK_MEM = "128MB"
#: The persons' columns an update of a known person takes from the file.
UPDATED_COLUMNS = tuple(name for name in COLUMNS if name not in ("external_id", "household_ref"))


def _source_sql(present_optional: set[str], lookup: bool = False) -> str:
    """The temporary rows as persons' columns (household ids looked up by ref). With
    ``lookup`` (a few rows) each household is looked up by its unique key: joined, the
    plan rests on the households' statistics, and with hash joins off (index_lookups) a
    stale estimate of a few dozen households made it compare every row with all of the
    district's (3 s for 1,500 rows against 21,000 households at 100k persons)."""
    household = ("(SELECT h.id FROM households AS h"
                 " WHERE h.organization_id = :org AND h.ref = r.household_ref)"
                 if lookup else "h.id")
    join = ("" if lookup else "LEFT JOIN households AS h"
            " ON h.organization_id = :org AND h.ref = r.household_ref")
    return f"""
        SELECT :org AS organization_id, r.external_id, r.family_name, r.given_names,
               r.birth_date, r.gender, r.nationality,
               CASE WHEN r.languages = '' THEN '{{}}'::varchar[]
                    ELSE string_to_array(r.languages, ' ')::varchar[] END AS languages,
               r.arrival_date, {household} AS household_id,
               {"r.religion" if "religion" in present_optional else "NULL"} AS religion,
               {"r.profession" if "profession" in present_optional else "NULL"} AS profession,
               r.digest AS import_digest
        FROM registry_import_rows AS r {join}
    """


def _updated_values(present_optional: set[str], new: str, old: str) -> dict[str, str]:
    """column → the value an update gives it: the file's, except that a missing household
    ref keeps the household set here, and absent optional columns keep their values."""
    values = {name: f"{new}.{name}" for name in UPDATED_COLUMNS}
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


def count_changes(organization_id: int, present_optional: set[str], report: ImportReport) -> None:
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
    """A column's value as text the way persons.as_text writes it (person_changes)."""
    if name == "languages":
        return f"nullif(array_to_string({expression}, ' '), '')"
    return f"({expression})::text"


def _select_changed(organization_id: int, present_optional: set[str], lookup: bool) -> int:
    """registry_import_changed: the file's rows (as persons' columns) that are new here or
    would change a person who is not anonymised, with the person's values the file
    decides (``old_<column>``, for the correction history); how many. ``lookup``: the
    rows are few (households looked up one by one)."""
    values = _updated_values(present_optional, "s", "p")
    old = "".join(f", p.{name} AS old_{name}" for name in values)
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_changed"))
    changed = db.session.execute(
        text(
            f"""
            CREATE TEMPORARY TABLE registry_import_changed ON COMMIT DROP AS
            SELECT s.*, p.id AS person_id,
                   CASE WHEN (p.family_name, p.given_names)
                             = (s.family_name, s.given_names) THEN p.name_key END
                       AS known_name_key{old}
            FROM ({_source_sql(present_optional, lookup)}) AS s
            LEFT JOIN persons AS p
              ON p.organization_id = :org AND p.external_id = s.external_id
            WHERE p.id IS NULL
               OR (p.anonymised_at IS NULL AND {_changed_condition(values, "p")})
            """
        ),
        {"org": organization_id},
    ).rowcount
    # Plans by the real count: without it 100k changed rows were joined by nested loops.
    # The count is what the plans need (the statements after join by external id or not
    # at all): statistics of the other two dozen columns cost more than the count.
    db.session.execute(text("ANALYZE registry_import_changed (external_id)"))
    if lookup:  # _record_digests leaves them out by index (index_lookups: no hash join)
        db.session.execute(text("CREATE INDEX ON registry_import_changed (external_id)"))
    return changed


def _record_import_changes(actor: User, organization_id: int, present_optional: set[str]) -> None:
    """Before the import updates known persons: each field it changes into person_changes
    with the old and the new value (GDPR Art. 16: every change keeps what it was), in one
    statement over the changed rows, the old values as registry_import_changed read them
    (not looked up in persons again)."""
    values = _updated_values(present_optional, "s", "p")
    old = ", ".join(f"s.old_{name} AS {name}" for name in values)
    pairs = ", ".join(
        f"('{name}', {_as_text_sql(f'p.{name}', name)}, {_as_text_sql(value, name)})"
        for name, value in values.items()
    )
    db.session.execute(
        text(
            f"""
            INSERT INTO person_changes
                (person_id, organization_id, user_id, field, old_value, new_value)
            SELECT s.person_id, :org, :user_id, v.field, v.old_value, v.new_value
            FROM registry_import_changed AS s
            CROSS JOIN LATERAL (SELECT {old}) AS p
            CROSS JOIN LATERAL (VALUES {pairs}) AS v(field, old_value, new_value)
            WHERE s.person_id IS NOT NULL AND v.old_value IS DISTINCT FROM v.new_value
            """
        ),
        {"org": organization_id, "user_id": actor.id if actor is not None else None},
    )


def write(actor: User, organization_id: int, present_optional: set[str],
          report: ImportReport) -> None:
    """Apply the checked rows: new households, then the new and changed persons with
    their correction history and audit rows; the counts into ``report``."""
    db.session.execute(
        text(
            """
            INSERT INTO households (organization_id, ref)
            SELECT DISTINCT :org, r.household_ref FROM registry_import_rows AS r
            WHERE r.household_ref IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM households AS h
                WHERE h.organization_id = :org AND h.ref = r.household_ref)
            ON CONFLICT ON CONSTRAINT uq_households_ref DO NOTHING
            """
        ),
        {"org": organization_id},
    )
    report.created = report.updated = 0
    kept = db.session.execute(text("SELECT count(*) FROM registry_import_rows")).scalar()
    with index_lookups(kept, report.rows):
        changed = _select_changed(organization_id, present_optional,
                                  few_kept(kept, report.rows))
        if changed:
            _record_import_changes(actor, organization_id, present_optional)
    if changed:
        bulk = changed >= BULK_ROWS
        if bulk:  # trigram entries to the GIN indexes' pending lists, merged once below
            db.session.execute(text(
                "SELECT set_config('gin_pending_list_limit', :limit, true),"
                " set_config('work_mem', :memory, true)"
            ), {"limit": str(GIN_PENDING_KB), "memory": WORK_MEM})
        report.created, report.updated = _upsert_changed(actor, organization_id,
                                                         present_optional)
        if bulk:
            db.session.execute(text(
                "SELECT gin_clean_pending_list(c.oid) FROM pg_index AS i"
                " JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS a ON a.oid = c.relam"
                " WHERE i.indrelid = 'persons'::regclass AND a.amname = 'gin'"
            ))
            db.session.execute(text("SELECT set_config('gin_pending_list_limit', '4096', true)"))
    with index_lookups(kept, report.rows):
        _record_digests(organization_id)
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_changed"))
    report.unchanged = report.rows - report.created - report.updated


def _record_digests(organization_id: int) -> None:
    """The digest of its line for each person the file left as it was whose digest was
    not that one (registry_digest: skipped next time); no audit row, nothing else of the
    person changes. Lines read on the per-row path have none. The changed rows are left
    out (the write gave them their digest; should it have left one as it was, because
    another transaction had changed the person meanwhile, its line is checked again
    next time): on the usual day no line is left and no person looked up again."""
    db.session.execute(
        text(
            """
            UPDATE persons AS p SET import_digest = r.digest
            FROM registry_import_rows AS r
            WHERE p.organization_id = :org AND p.external_id = r.external_id
              AND r.digest IS NOT NULL AND p.import_digest IS DISTINCT FROM r.digest
              AND NOT EXISTS (SELECT 1 FROM registry_import_changed AS c
                              WHERE c.external_id = r.external_id)
            """
        ),
        {"org": organization_id},
    )


def _upsert_changed(actor: User, organization_id: int,
                    present_optional: set[str]) -> tuple[int, int]:
    """The changed rows into persons (created or updated, told by ``xmax = 0``), each
    with its audit row; the name key computed once per distinct name that is new here
    (a person whose name the file leaves keeps the key; the duplicate candidates folded
    the new rows' names already, registry_import_keys). A row another
    import wrote meanwhile is updated the same way (ON CONFLICT)."""
    values = _updated_values(present_optional, "EXCLUDED", "persons")
    columns = ", ".join(("organization_id", *PERSON_COLUMNS, "import_digest"))
    changed = _changed_condition(values, "persons")
    fold_names("registry_import_changed", "r.known_name_key IS NULL", {})
    row = db.session.execute(
        text(
            f"""
            WITH written AS (
                INSERT INTO persons ({columns}, name_key)
                SELECT {", ".join(f"c.{name}" for name in columns.split(", "))},
                       coalesce(c.known_name_key, (
                           SELECT k.name_key FROM registry_import_keys AS k
                           WHERE k.family_name = c.family_name
                             AND k.given_names = c.given_names))
                FROM registry_import_changed AS c
                ON CONFLICT ON CONSTRAINT uq_persons_external_id DO UPDATE
                SET {", ".join(f"{n} = {v}" for n, v in values.items())},
                    name_key = EXCLUDED.name_key, import_digest = EXCLUDED.import_digest,
                    updated_at = now()
                WHERE persons.anonymised_at IS NULL AND {changed}
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
            "create": AuditAction.IMPORT_CREATE,
            "update": AuditAction.IMPORT_UPDATE,
        },
    ).one()
    return int(row[0]), int(row[1])
