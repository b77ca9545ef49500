"""Retention of the registry: persons no longer housed are anonymised after
REGISTRY_RETENTION_DAYS (`exchange purge-registry`); an erasure (Art. 17,
exchange.capacity.rights) anonymises the same way at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from exchange.extensions import db
from exchange.profiles.models import User

from .audit import AuditAction, audit
from .models import PERSON_FIELDS, Activity, Occupancy, Person, PersonAuditReason, PersonChange
from .occupancy import database_now

#: What an anonymised person's fields become; gender stays (it counts in the statistics).
ANONYMOUS = {
    **{name: None for name in PERSON_FIELDS if name != "gender"},
    "family_name": "",
    "given_names": "",
    "languages": [],
}


def purge_registry(now: datetime | None = None) -> int:
    """Anonymise persons whose last occupancy ended more than REGISTRY_RETENTION_DAYS ago
    (and who are not housed): names, dates, origin, special categories and activities go;
    gender, organisation and the occupancy periods stay for the statistics. Returns how
    many were anonymised. Rows locked by a running call are left for the next run."""
    now = now or database_now()
    cutoff = now - timedelta(days=current_app.config["REGISTRY_RETENTION_DAYS"])
    last_end = (
        select(func.max(func.upper(Occupancy.period)))
        .where(Occupancy.person_id == Person.id)
        .scalar_subquery()
    )
    still_housed = (
        select(Occupancy.id)
        .where(Occupancy.person_id == Person.id, func.upper_inf(Occupancy.period))
        .exists()
    )
    persons = list(
        db.session.scalars(
            select(Person)
            .where(Person.anonymised_at.is_(None), ~still_housed, last_end < cutoff)
            .order_by(Person.id)
            .with_for_update(skip_locked=True)
        )
    )
    anonymise(persons, now, None, AuditAction.ANONYMISE)
    return len(persons)


def anonymise(
    persons: Sequence[Person],
    now: datetime,
    actor: User | None,
    action: str,
    reason: str | None = None,
) -> None:
    """The anonymisation of the retention rule, also used by an erasure (Art. 17):
    names, dates, origin, special categories, the restriction, activities, the correction
    history and the reasons stated for reads go; gender, organisation and the occupancy
    periods stay, so published figures and statistics do not change. The persons must be
    locked by the caller. Audited with ``action`` (and its reason, if any)."""
    for person in persons:
        for name, value in ANONYMOUS.items():
            setattr(person, name, list(value) if isinstance(value, list) else value)
        person.restricted_at = None
        person.restriction_reason = None
        person.restricted_by_id = None
        person.anonymised_at = now
    if persons:
        ids = [p.id for p in persons]
        db.session.execute(delete(Activity).where(Activity.person_id.in_(ids)))
        db.session.execute(delete(PersonChange).where(PersonChange.person_id.in_(ids)))
        db.session.execute(delete(PersonAuditReason).where(PersonAuditReason.person_id.in_(ids)))
    db.session.flush()
    audit(actor, persons, action, reason)
