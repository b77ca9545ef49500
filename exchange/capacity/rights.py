"""Data-subject rights of persons in the registry (GDPR Art. 15–18, issue 19).

- disclosure (Art. 15): everything held about one person in one answer, produced by a
  caseworker of the person's district (it holds the special categories), audited;
- corrections (Art. 16) are kept by persons.update_person in person_changes and shown
  in the disclosure;
- restriction (Art. 18): the district's admins mark a person restricted with a reason;
  the services then hide them from search, duplicate candidates and placement for everyone
  else, refuse writes by others (404) and need a stated reason for every read;
- erasure (Art. 17): the district's admins anonymise a person at once with a reason, by
  the same function as the retention rule (retention.anonymise).

Reach as everywhere in the domain: anything outside the actor's reach answers 404.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, text

from exchange.errors import Conflict, Forbidden, InvalidInput
from exchange.extensions import db
from exchange.i18n import N_
from exchange.profiles.models import Membership, MembershipStatus, Organization, Role, User

from .access import (
    check_not_anonymised,
    check_read_reason,
    get_person_for,
    get_persons_for,
    may_see_restricted,
    may_see_special_categories,
)
from .audit import IMPORT_ACTIONS, AuditAction, audit
from .models import (
    PERSON_FIELDS,
    Activity,
    Bed,
    Occupancy,
    Person,
    PersonAudit,
    PersonAuditReason,
    PersonChange,
    Shelter,
    ShelterRoom,
)
from .occupancy import current_beds, database_now
from .retention import anonymise

#: The order in which a person's roles are named in the audit trail.
ROLE_ORDER = (Role.CASEWORKER, Role.ADMIN, Role.OFFICIAL, Role.LANDLORD)
REASON_REQUIRED = N_("State the reason.")


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": REASON_REQUIRED})
    return reason


def _require_admin(actor: User, person: Person) -> None:
    if not may_see_restricted(actor, person.organization_id):
        raise Forbidden("Only the district's admins may do this.")


# --- access (Art. 15) ----------------------------------------------------------------------


def _role_names(user_ids: set[int]) -> dict[tuple[int, int], str]:
    """(user id, organisation id) → role, from active memberships; "" where none."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Membership.user_id, Membership.organization_id, Membership.role).where(
            Membership.user_id.in_(sorted(user_ids)),
            Membership.status == MembershipStatus.ACTIVE.value,
        )
    ).all()
    roles: dict[tuple[int, int], str] = {}
    for user_id, organization_id, role in sorted(
        rows, key=lambda r: ROLE_ORDER.index(r[2]) if r[2] in ROLE_ORDER else 9
    ):
        roles.setdefault((user_id, organization_id), role)
        roles.setdefault((user_id, 0), role)
    return roles


def _organization_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(sorted(ids)))
        ).all()
    )


def _who(rows: list, organization_names: dict[int, str], roles: dict) -> list[dict[str, Any]]:
    """organisation and role of each row's user: never the user's name."""
    return [
        {
            "organization": organization_names.get(row.organization_id, ""),
            "role": "system"
            if row.user_id is None
            else roles.get((row.user_id, row.organization_id))
            or roles.get((row.user_id, 0), ""),
        }
        for row in rows
    ]


def disclosure(actor: User, person_id: int, reason: str | None = None) -> dict[str, Any]:
    """Everything held about one person (Art. 15): the record, the household's other
    members by name only, occupancies with shelter, room and bed, activities, the import
    and correction history and the audit trail (organisation and role, never a user's
    name). Caseworkers of the district only (it holds religion and health: 403 for its
    admins, 404 outside reach); a restricted person needs a stated reason. Audited."""
    person = get_person_for(actor, person_id)
    if not may_see_special_categories(actor, person.organization_id):
        raise Forbidden("Only caseworkers of the district produce a disclosure.")
    stated = check_read_reason(person, reason)

    household = None
    if person.household_id is not None:
        others = db.session.execute(
            select(Person.family_name, Person.given_names)
            .where(Person.household_id == person.household_id, Person.id != person.id)
            .order_by(Person.id)
        ).all()
        household = {
            "ref": person.household.ref,
            "members": [{"family_name": f, "given_names": g} for f, g in others],
        }
    occupancies = [
        {"from": o.period.lower, "until": o.period.upper, "shelter": shelter, "room": room,
         "bed": bed}
        for o, bed, room, shelter in db.session.execute(
            select(Occupancy, Bed.label, ShelterRoom.name, Shelter.name)
            .join(Bed, Bed.id == Occupancy.bed_id)
            .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
            .join(Shelter, Shelter.id == ShelterRoom.shelter_id)
            .where(Occupancy.person_id == person.id)
            .order_by(Occupancy.id)
        )
    ]
    activities = [
        {"kind": a.kind, "title": a.title, "due_date": a.due_date, "status": a.status,
         "created_at": a.created_at}
        for a in db.session.scalars(
            select(Activity).where(Activity.person_id == person.id).order_by(Activity.id)
        )
    ]
    # This person's log includes the duplicates merged into them (as audit.list_audit).
    merged = select(Person.id).where(Person.merged_into_id == person.id)
    audit_rows = list(
        db.session.scalars(
            select(PersonAudit)
            .where(or_(PersonAudit.person_id == person.id, PersonAudit.person_id.in_(merged)))
            .order_by(PersonAudit.id)
        )
    )
    changes = list(
        db.session.scalars(
            select(PersonChange)
            .where(PersonChange.person_id == person.id)
            .order_by(PersonChange.id)
        )
    )
    reasons = dict(
        db.session.execute(
            select(PersonAuditReason.audit_id, PersonAuditReason.reason).where(
                PersonAuditReason.person_id == person.id
            )
        ).all()
    )
    rows = [*audit_rows, *changes]
    names = _organization_names({r.organization_id for r in rows} | {person.organization_id})
    roles = _role_names({r.user_id for r in rows if r.user_id is not None})
    trail = [
        {"at": r.at, "action": r.action, "reason": reasons.get(r.id), **who}
        for r, who in zip(audit_rows, _who(audit_rows, names, roles), strict=True)
    ]
    corrections = [
        {"at": c.at, "field": c.field, "old_value": c.old_value, "new_value": c.new_value,
         **who}
        for c, who in zip(changes, _who(changes, names, roles), strict=True)
    ]
    record = {name: getattr(person, name) for name in PERSON_FIELDS}
    record.pop("household_id")
    record.update(
        id=person.id,
        organization=names.get(person.organization_id, ""),
        created_at=person.created_at,
        updated_at=person.updated_at,
        anonymised_at=person.anonymised_at,
        merged_into_id=person.merged_into_id,
        restricted_at=person.restricted_at,
        restriction_reason=person.restriction_reason,
    )
    audit(actor, [person], AuditAction.DISCLOSE, stated)
    return {
        "generated_at": database_now(),
        "person": record,
        "household": household,
        "occupancies": occupancies,
        "activities": activities,
        # The documents domain links no file to a person; listed for completeness.
        "documents": [],
        "imports": [t for t in trail if t["action"] in IMPORT_ACTIONS],
        "corrections": corrections,
        "audit": trail,
    }


# --- restriction (Art. 18) -----------------------------------------------------------------


def restrict(actor: User, person_id: int, reason: str | None) -> Person:
    """Restrict processing of a person (the district's admins), with a reason; audited."""
    person = get_person_for(actor, person_id, lock=True)
    _require_admin(actor, person)
    reason = _reason(reason)
    check_not_anonymised([person])
    if person.restricted_at is not None:
        raise Conflict("This person is restricted already.")
    person.restricted_at = database_now()
    person.restriction_reason = reason
    person.restricted_by_id = actor.id
    db.session.flush()
    audit(actor, [person], AuditAction.RESTRICT, reason)
    return person


def lift_restriction(actor: User, person_id: int) -> Person:
    """End a restriction (the district's admins); audited."""
    person = get_person_for(actor, person_id, lock=True)
    _require_admin(actor, person)
    if person.restricted_at is None:
        raise Conflict("This person is not restricted.")
    person.restricted_at = None
    person.restriction_reason = None
    person.restricted_by_id = None
    db.session.flush()
    audit(actor, [person], AuditAction.UNRESTRICT)
    return person


# --- erasure (Art. 17) ---------------------------------------------------------------------


def erase(actor: User, person_id: int, reason: str | None) -> Person:
    """Erase a person now (the district's admins, with a reason): the anonymisation of the
    retention rule, for the person and the duplicates merged into them. Refused (409)
    while the person is housed: check them out first. Occupancy periods stay, so
    published figures do not change; the audit trail keeps only the erasure: who, when and
    why."""
    person = get_person_for(actor, person_id, lock=True)
    _require_admin(actor, person)
    reason = _reason(reason)
    check_not_anonymised([person])
    merged_ids = db.session.scalars(
        select(Person.id).where(Person.merged_into_id == person.id, Person.anonymised_at.is_(None))
    ).all()
    persons = get_persons_for(actor, [person.id, *merged_ids], lock=True)
    if current_beds([p.id for p in persons]):
        raise Conflict("This person is housed: check them out before erasing the record.")
    ids = [p.id for p in persons]
    # The trail keeps only that an erasure happened: earlier rows (who read or changed the
    # record when) go too. person_audit refuses deletes unless this transaction says it
    # erases (migration 0018), so nothing else can thin the trail.
    db.session.execute(text("SELECT set_config('exchange.erasure', 'on', true)"))
    db.session.execute(delete(PersonAuditReason).where(PersonAuditReason.person_id.in_(ids)))
    db.session.execute(delete(PersonAudit).where(PersonAudit.person_id.in_(ids)))
    db.session.execute(text("SELECT set_config('exchange.erasure', 'off', true)"))
    anonymise(persons, database_now(), actor, AuditAction.ERASE, reason)
    return person
