"""Duplicates in the registry: candidates for a person registered here or for the rows of
an import (same birth date, similar name key), and merging a duplicate into the person
it repeats."""

from __future__ import annotations

from contextlib import nullcontext
from typing import NamedTuple

from sqlalchemy import func, literal_column, select, text

from exchange.db import planner_without
from exchange.errors import Conflict, Forbidden, InvalidInput
from exchange.extensions import db
from exchange.profiles.models import Role, User

from .access import capacity_scope, check_not_anonymised, get_persons_for
from .audit import AuditAction, audit
from .models import Activity, Occupancy, Person
from .occupancy import database_now, open_occupancies_of

#: Duplicate candidates: same birth date and at least this trigram similarity of name keys.
DUPLICATE_THRESHOLD = 0.5
#: The most candidates an import reports.
MAX_DUPLICATES = 1000
#: New rows of an import from which their candidates may be found in one pass over the
#: district's persons rather than by a look-up of each birth date (import_duplicates).
FEW_NEW = 2000


class Duplicate(NamedTuple):
    """A person who may be the same as another, with the similarity of their names (0–1)."""

    id: int
    score: float


def duplicate_candidates(
    person: Person, limit: int = 10, restricted: bool = False
) -> list[Duplicate]:
    """Persons of the same organisation born the same day whose name keys (the name
    folded for transliteration variants: registry_name_key, migration 0012) have a
    trigram similarity of at least DUPLICATE_THRESHOLD; best first, scored 0–1. Merged
    and anonymised persons are left out, restricted ones unless ``restricted`` (the
    district's admins); without a birth date: none."""
    if person.birth_date is None:
        return []
    score = func.similarity(
        Person.name_key, func.registry_name_key(person.family_name, person.given_names)
    )
    rows = db.session.execute(
        select(Person.id, score)
        .where(
            Person.organization_id == person.organization_id,
            Person.birth_date == person.birth_date,
            Person.id != person.id,
            Person.anonymised_at.is_(None),
            Person.merged_into_id.is_(None),
            Person.restricted_at.is_(None) if not restricted else literal_column("true"),
            score >= DUPLICATE_THRESHOLD,
        )
        .order_by(score.desc(), Person.id)
        .limit(limit)
    )
    return [Duplicate(person_id, round(float(value), 3)) for person_id, value in rows]


def import_duplicates(organization_id: int, restricted: bool = False) -> list[dict]:
    """Rows of the import under way (the temporary table registry_import_rows) new to the
    registry (their external id unknown here) that look like a person registered already:
    same birth date, similar name key (restricted persons only for the district's admins,
    ``restricted``). Their names' keys stay in registry_import_keys for the write."""
    new_here = """
        r.birth_date IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM persons AS known
            WHERE known.organization_id = :org AND known.external_id = r.external_id)
    """
    fold_names("registry_import_rows", new_here, {"org": organization_id})
    db.session.execute(text("DROP TABLE IF EXISTS registry_import_new"))
    new = db.session.execute(
        text(
            f"""
            CREATE TEMPORARY TABLE registry_import_new ON COMMIT DROP AS
            SELECT r.row_number, r.external_id, r.birth_date,
                   (SELECT k.name_key FROM registry_import_keys AS k
                    WHERE k.family_name = r.family_name
                      AND k.given_names = r.given_names) AS name_key
            FROM registry_import_rows AS r
            WHERE {new_here}
            """
        ),
        {"org": organization_id},
    ).rowcount
    db.session.execute(text("ANALYZE registry_import_new (birth_date)"))
    # A few new rows are compared with the persons born on their days by index lookups;
    # from FEW_NEW on, the days looked up would reach a large part of the district's
    # pages at random (the ~50 persons of each day at 1M), so the planner may join them
    # with one pass over the district's persons by a hash on the birth date, which it
    # prefers even for a few hundred (it prices a random read of a cached page at four
    # sequential ones).
    with planner_without("hashjoin", "mergejoin") if new < FEW_NEW else nullcontext():
        rows = db.session.execute(
            text(
                """
                SELECT n.row_number, p.id,
                       round(similarity(p.name_key, n.name_key)::numeric, 3) AS score
                FROM registry_import_new AS n
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
        ).all()
    db.session.execute(text("DROP TABLE registry_import_new"))
    return [{"row": row, "person_id": pid, "score": float(score)} for row, pid, score in rows]


def fold_names(table: str, where: str, params: dict) -> None:
    """registry_import_keys: the key (registry_name_key, a dozen regular expressions) of
    each distinct name of ``table``'s rows (alias ``r``) that match ``where`` and whose
    name has no key there yet; computed once per name for the whole import (the
    duplicate candidates and the write both read them)."""
    db.session.execute(
        text(
            f"""
            INSERT INTO registry_import_keys (family_name, given_names, name_key)
            SELECT family_name, given_names, registry_name_key(family_name, given_names)
            FROM (SELECT DISTINCT r.family_name, r.given_names FROM {table} AS r
                  WHERE {where} AND NOT EXISTS (
                      SELECT 1 FROM registry_import_keys AS k
                      WHERE k.family_name = r.family_name
                        AND k.given_names = r.given_names)) AS names
            """
        ),
        params,
    )


def merge_persons(actor: User, keep_id: int, other_id: int) -> Person:
    """Merge ``other_id`` (a duplicate) into ``keep_id`` (caseworkers of the district), in
    one transaction: the other's occupancies and activities move to the kept person, the
    other is marked merged_into (history only, hidden from search; its audit rows are
    read with the kept person's, see audit.list_audit) and gives its external id and
    household when the kept person has none. 409 if both are housed now, or if their
    periods overlap, or if one is merged or anonymised already."""
    if keep_id == other_id:
        raise InvalidInput({"other_id": "A person is not merged with themselves."})
    keep, other = (
        {p.id: p for p in get_persons_for(actor, [keep_id, other_id], lock=True)}[i]
        for i in (keep_id, other_id)
    )
    if keep.organization_id not in capacity_scope(actor, {Role.CASEWORKER}):
        raise Forbidden("Only caseworkers merge persons.")
    if keep.organization_id != other.organization_id:
        raise InvalidInput({"other_id": "Not of the same organisation."})
    check_not_anonymised([keep, other])
    if keep.merged_into_id is not None or other.merged_into_id is not None:
        raise Conflict("This person has been merged already.")
    open_ = open_occupancies_of([keep.id, other.id])
    if len({o.person_id for o in open_}) == 2:
        message = "Both persons are housed now; check one of them out first."
        raise Conflict(message, field="other_id")
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
        raise Conflict(message, field="other_id") from exc
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
    other.merged_at = database_now()
    db.session.flush()
    audit(actor, [keep], AuditAction.MERGE)
    audit(actor, [other], AuditAction.MERGED)
    db.session.expire(keep)
    return keep
