"""Activities: what is to be done for a person (vaccination, BAMF hearing, kindergarten,
school …). Reading and writing them is audited as a read or write of the person."""

from __future__ import annotations

from sqlalchemy import select

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.profiles.models import User

from .access import check_read_reason, get_person_for
from .audit import AuditAction, audit
from .models import Activity, ActivityStatus


def list_activities(actor: User, person_id: int, reason: str | None = None) -> list[Activity]:
    """A person's activities, by due date; audited as a read of the person (a restricted
    one with a stated reason)."""
    person = get_person_for(actor, person_id)
    audit(actor, [person], AuditAction.ACTIVITY_READ, check_read_reason(person, reason))
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.person_id == person.id)
            .order_by(Activity.due_date.asc().nulls_last(), Activity.id)
        )
    )


def create_activity(actor: User, person_id: int, values: dict) -> Activity:
    """Something to do for a person (vaccination, BAMF hearing, …); audited."""
    person = get_person_for(actor, person_id, lock=True)
    activity = Activity(
        person_id=person.id,
        kind=values["kind"],
        title=(values.get("title") or "").strip(),
        due_date=values.get("due_date"),
        status=values.get("status") or ActivityStatus.OPEN.value,
    )
    db.session.add(activity)
    db.session.flush()
    audit(actor, [person], AuditAction.ACTIVITY_CREATE)
    return activity


def update_activity(actor: User, activity_id: int, changes: dict) -> Activity:
    """Change an activity (title, due date, status); audited."""
    found = db.session.get(Activity, activity_id)
    if found is None:
        raise NotFound()
    person = get_person_for(actor, found.person_id, lock=True)
    db.session.refresh(found, with_for_update=True)
    for name in ("kind", "title", "due_date", "status"):
        if name in changes:
            setattr(found, name, changes[name].strip() if name == "title" else changes[name])
    db.session.flush()
    audit(actor, [person], AuditAction.ACTIVITY_UPDATE)
    return found
