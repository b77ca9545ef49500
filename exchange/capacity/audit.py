"""The person audit log: every read and write of a person appends who, when, which person
and what (never the data itself); the organisation's admins read it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, or_, select

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import Organization, Role, User

from .access import require_in_scope
from .models import Person, PersonAudit, PersonAuditReason


class AuditAction:
    CREATE = "create"
    READ = "read"
    SEARCH = "search"
    UPDATE = "update"
    HOUSEHOLD = "household"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    MOVE = "move"
    ACTIVITY_READ = "activity_read"
    ACTIVITY_CREATE = "activity_create"
    ACTIVITY_UPDATE = "activity_update"
    ANONYMISE = "anonymise"
    DISCLOSE = "disclose"
    RESTRICT = "restrict"
    UNRESTRICT = "unrestrict"
    ERASE = "erase"
    #: Written by the state system's import (the changes export leaves them out).
    IMPORT_CREATE = "import_create"
    IMPORT_UPDATE = "import_update"
    MERGE = "merge"
    MERGED = "merged"
    EXPORT = "export"


#: Audit actions that stand for the state system's import.
IMPORT_ACTIONS = (AuditAction.IMPORT_CREATE, AuditAction.IMPORT_UPDATE)
#: Audit actions that are corrections made in Exchange (what the changes export returns).
CORRECTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.HOUSEHOLD, AuditAction.MERGE)


def audit(
    actor: User | None, persons: Iterable[Person], action: str, reason: str | None = None
) -> None:
    """Append one audit row per person: who, when (the database clock), what; no data.
    A stated reason (restricted records, erasure) is kept beside it in
    person_audit_reasons."""
    rows = [
        {
            "user_id": actor.id if actor is not None else None,
            "organization_id": person.organization_id,
            "person_id": person.id,
            "action": action,
        }
        for person in persons
    ]
    if rows and reason:
        ids = db.session.scalars(insert(PersonAudit).returning(PersonAudit.id), rows).all()
        db.session.execute(
            insert(PersonAuditReason),
            [
                {"audit_id": audit_id, "person_id": row["person_id"], "reason": reason}
                for audit_id, row in zip(ids, rows, strict=True)
            ],
        )
    elif rows:
        db.session.execute(insert(PersonAudit), rows)


def list_audit(
    actor: User,
    organization_id: int,
    person_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """The audit log of an organisation and those below it (its admins), oldest first."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    require_in_scope(actor, organization_id, {Role.ADMIN})
    reach = authz.descendants_and_self([organization_id])
    stmt = select(PersonAudit).where(PersonAudit.organization_id.in_(sorted(reach)))
    if person_id is not None:
        # A person's log includes that of the duplicates merged into them (the log is
        # append-only, so the merged rows keep their person_id).
        merged = select(Person.id).where(Person.merged_into_id == person_id)
        stmt = stmt.where(
            or_(PersonAudit.person_id == person_id, PersonAudit.person_id.in_(merged))
        )
    return page_by_id(stmt, PersonAudit.id, limit, cursor)
