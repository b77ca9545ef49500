"""The corrections made here, for return to the state system (GET /registry/changes):
persons created, corrected, put in a household or merged in Exchange since a date, as
JSON or as CSV in the import's layout."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from exchange import spreadsheet_csv
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.profiles.models import Organization, Role, User

from .access import capacity_scope
from .audit import CORRECTIONS, AuditAction, audit
from .models import Household, Person
from .occupancy import current_beds
from .persons import PersonView, as_text
from .registry_csv import COLUMNS, OPTIONAL_COLUMNS


@dataclass
class ChangedPerson(PersonView):
    """A person corrected here (ChangedPersonSchema): as imported, their household's ref,
    and when they were last changed."""

    household_ref: str | None = None
    changed_at: datetime | None = None


def registry_changes(actor: User, organization_id: int, since: datetime) -> list[ChangedPerson]:
    """Persons of the organisation corrected here (created, updated, put in a household,
    merged; not by the import) since ``since``, for return to the state system
    (caseworkers of the district); each one returned is audited (export)."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    if organization_id not in capacity_scope(actor, {Role.CASEWORKER}):
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
        select(Person, Household.ref)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(
            Person.id.in_(sorted(changed_at)),
            Person.organization_id == organization_id,
            Person.anonymised_at.is_(None),
        )
        .order_by(Person.id)
    ).all()
    beds = current_beds(person.id for person, _ref in result)
    persons = [
        ChangedPerson(person, beds.get(person.id), special=True, household_ref=ref,
                      changed_at=changed_at[person.id])
        for person, ref in result
    ]
    audit(actor, [c.person for c in persons], AuditAction.EXPORT)
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
                *(as_text(change.household_ref if name == "household_ref"
                          else getattr(person, name)) or ""
                  for name in (*COLUMNS, *OPTIONAL_COLUMNS)),
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
