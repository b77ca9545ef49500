"""The person registry: registering, reading, correcting and finding persons, and putting
them in households (caseworkers and admins of the owning organisation; religion and health
caseworkers only). Every read and write of a person is audited (exchange.capacity.audit);
every correction keeps the old value (GDPR Art. 16)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, func, insert, literal, literal_column, or_, select

from exchange.db import escape_like
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound
from exchange.extensions import db
from exchange.pagination import Page, encode_cursor, offset_cursor, page_by_id
from exchange.profiles.models import User

from .access import (
    CASE_ROLES,
    capacity_scope,
    check_not_anonymised,
    check_read_reason,
    check_special,
    get_person_for,
    get_persons_for,
    may_see_restricted,
    may_see_special_categories,
    organization_for_new,
    taken,
    visible_persons_clause,
)
from .audit import AuditAction, audit
from .duplicates import Duplicate, duplicate_candidates
from .models import PERSON_FIELDS, Household, Person, PersonChange
from .occupancy import current_beds

#: The expression that the trigram index ix_persons_name_trgm covers.
NAME_EXPRESSION = func.lower(
    Person.family_name.op("||")(literal_column("' '")).op("||")(Person.given_names)
)


@dataclass
class PersonView:
    """A person as the API answers it (RegistryPersonSchema): with the bed they are in now,
    and whether the viewer sees religion and health notes (``special``)."""

    person: Person
    current_bed_id: int | None = None
    special: bool = False
    possible_duplicates: list[Duplicate] = field(default_factory=list)

    def __getattr__(self, name: str):
        # The person's own fields; only called for names the view does not have.
        if name == "person" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.person, name)


def person_views(viewer: User, persons: Sequence[Person]) -> list[PersonView]:
    """The persons as the viewer may see them, their beds read in one query."""
    beds = current_beds(p.id for p in persons)
    special = {
        organization_id: may_see_special_categories(viewer, organization_id)
        for organization_id in {p.organization_id for p in persons}
    }
    return [PersonView(p, beds.get(p.id), special[p.organization_id]) for p in persons]


def person_view(viewer: User, person: Person) -> PersonView:
    """One person as the viewer may see them."""
    return person_views(viewer, [person])[0]


def _check_household(household_id: int | None, organization_id: int) -> None:
    if household_id is None:
        return
    household = db.session.get(Household, household_id)
    if household is None or household.organization_id != organization_id:
        raise InvalidInput({"household_id": "No such household in this organisation."})


def _check_external_id(organization_id: int, external_id: str | None, person_id=None) -> None:
    if external_id and taken(Person.id, person_id, Person.organization_id == organization_id,
                             Person.external_id == external_id):
        raise Conflict("This external_id is taken already.", field="external_id")


def create_person(
    actor: User, values: dict, organization_id: int | None = None
) -> tuple[Person, list[Duplicate]]:
    """Register a person (caseworkers and admins; religion and health caseworkers only).
    Returns the person and the possible duplicates already registered [(id, score)]."""
    organization_id = organization_for_new(actor, organization_id)
    check_special(actor, organization_id, values)
    _check_household(values.get("household_id"), organization_id)
    _check_external_id(organization_id, values.get("external_id"))
    person = Person(organization_id=organization_id, given_names="", languages=[])
    for name in PERSON_FIELDS:
        if name in values:
            setattr(person, name, values[name])
    db.session.add(person)
    db.session.flush()
    audit(actor, [person], AuditAction.CREATE)
    return person, duplicate_candidates(
        person, restricted=may_see_restricted(actor, organization_id)
    )


def read_person(actor: User, person_id: int, reason: str | None = None) -> Person:
    """One person (caseworkers and admins of the owning organisation); audited. A
    restricted person needs a stated reason, audited with the read."""
    person = get_person_for(actor, person_id)
    audit(actor, [person], AuditAction.READ, check_read_reason(person, reason))
    return person


def as_text(value) -> str | None:
    """A field's value as the correction history keeps it."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _change_rows(actor: User, person: Person, values: dict) -> list[dict]:
    """person_changes rows for the fields these values change (old and new as text)."""
    rows = []
    for name, value in values.items():
        old, new = as_text(getattr(person, name)), as_text(value)
        if old != new:
            rows.append({"person_id": person.id, "organization_id": person.organization_id,
                         "user_id": actor.id, "field": name, "old_value": old,
                         "new_value": new})
    return rows


def update_person(actor: User, person_id: int, changes: dict) -> Person:
    """Correct a person's data; audited, and every changed field kept in person_changes
    with its old and new value, who and when (GDPR Art. 16)."""
    person = get_person_for(actor, person_id, lock=True)
    check_not_anonymised([person])
    check_special(actor, person.organization_id, changes)
    if "household_id" in changes:
        _check_household(changes["household_id"], person.organization_id)
    if "external_id" in changes:
        _check_external_id(person.organization_id, changes["external_id"], person.id)
    history = _change_rows(actor, person, {n: changes[n] for n in PERSON_FIELDS if n in changes})
    for name in PERSON_FIELDS:
        if name in changes:
            setattr(person, name, changes[name])
    db.session.flush()
    if history:
        db.session.execute(insert(PersonChange), history)
    audit(actor, [person], AuditAction.UPDATE)
    return person


#: Shorter queries match names as typed only (a name containing them), in id order: a few
#: letters are in many names, and ranking all of them costs too much in a large registry
#: (docs/decisions/capacity.md has the figures).
FUZZY_MIN_LENGTH = 4


def search_persons(
    actor: User,
    q: str | None = None,
    organization_id: int | None = None,
    household_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Persons within the actor's reach (caseworkers and admins), by name or external id;
    every person returned is audited. A name of four letters or more is also found
    misspelt, without its diacritics or transliterated otherwise (``name_matches``)."""
    reach = capacity_scope(actor, CASE_ROLES)
    if not reach:
        raise Forbidden("Only caseworkers and admins see the registry.")
    if organization_id is not None:
        reach &= {organization_id}
    stmt = select(Person).where(
        Person.organization_id.in_(sorted(reach)),
        Person.merged_into_id.is_(None),
        visible_persons_clause(actor),
    )
    if household_id is not None:
        stmt = stmt.where(Person.household_id == household_id)
    q = (q or "").strip()
    if len(q) >= FUZZY_MIN_LENGTH:
        page = _ranked_page(stmt, q, limit, cursor)
    else:
        if q:
            pattern = f"%{escape_like(q.lower())}%"
            stmt = stmt.where(or_(NAME_EXPRESSION.like(pattern), Person.external_id == q))
        page = page_by_id(stmt, Person.id, limit, cursor)
    audit(actor, page.items, AuditAction.SEARCH)
    return page


def name_matches(q: str) -> tuple[ColumnElement[bool], list[ColumnElement]]:
    """Where a person matches ``q`` and how well, best first: the external id itself, then
    names containing ``q`` as typed, then by trigram word similarity (pg_trgm ``<%``, at
    least ``pg_trgm.word_similarity_threshold``, 0.6) of ``q`` to the name (typos:
    "Hadad" finds "Haddad") or of its duplicate key to the person's ``name_key``
    (diacritics and transliterations: "Ruya" finds "Rüya", "Muhammad" "Mohammed"), the
    higher of the two. Each condition is answered by a GIN trigram index
    (ix_persons_name_trgm, ix_persons_name_key_trgm) or the external id's unique index."""
    typed = q.lower()
    key = db.session.scalar(select(func.registry_name_key(q, "")))
    pattern = f"%{escape_like(typed)}%"
    conditions = [
        Person.external_id == q,
        NAME_EXPRESSION.like(pattern),
        literal(typed).op("<%", is_comparison=True)(NAME_EXPRESSION),
    ]
    as_typed = func.word_similarity(typed, NAME_EXPRESSION)
    similarity = as_typed
    if key:  # a query of digits or signs only has no key (and would scan the index)
        conditions.append(literal(key).op("<%", is_comparison=True)(Person.name_key))
        similarity = func.greatest(similarity, func.word_similarity(key, Person.name_key))
    order = [
        (Person.external_id == q).desc().nulls_last(),  # no external id: NULL
        NAME_EXPRESSION.like(pattern).desc(),
        similarity.desc(),
        as_typed.desc(),
        NAME_EXPRESSION,
        Person.id,
    ]
    return or_(*conditions), order


def _ranked_page(stmt: Select, q: str, limit: int, cursor: str | None) -> Page:
    """One page of the persons matching ``q``, best first (offset cursor)."""
    condition, order = name_matches(q)
    offset = offset_cursor(cursor) if cursor else 0
    rows = list(db.session.scalars(
        stmt.where(condition).order_by(*order).offset(offset).limit(limit + 1)
    ))
    more = len(rows) > limit
    return Page(rows[:limit], encode_cursor([offset + limit]) if more else None)


# --- households ----------------------------------------------------------------------------


def create_household(
    actor: User,
    member_ids: Sequence[int],
    organization_id: int | None = None,
    ref: str | None = None,
) -> Household:
    """A household of persons of one organisation (a person leaves their old one)."""
    organization_id = organization_for_new(actor, organization_id)
    members = get_persons_for(actor, member_ids, lock=True) if member_ids else []
    if any(person.organization_id != organization_id for person in members):
        raise NotFound()
    household = Household(organization_id=organization_id, ref=(ref or "").strip() or None)
    db.session.add(household)
    db.session.flush()
    history = [
        row for p in members for row in _change_rows(actor, p, {"household_id": household.id})
    ]
    for person in members:
        person.household_id = household.id
    db.session.flush()
    if history:
        db.session.execute(insert(PersonChange), history)
    audit(actor, members, AuditAction.HOUSEHOLD)
    return household
