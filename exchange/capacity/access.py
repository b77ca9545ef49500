"""Who reaches what in the capacity domain: the roles, the reach, the `may_*` answers and
the `get_*_for` loaders that answer 404 outside one's reach.

- shelters, rooms, beds, occupancies, moves, placements: caseworkers and admins whose
  reach (capacity_scope) includes the shelter's organisation (CASE_ROLES);
- persons, households, activities: caseworkers and admins reaching the person's
  organisation; religion and health notes only caseworkers (SPECIAL_ROLES);
- capacity counts and the room plan without persons: all staff of the organisation or
  above it (COUNT_ROLES; officials see counts only);
- the audit log: admins reaching the organisation;
- a restricted person (GDPR Art. 18, exchange.capacity.rights): left out of search,
  duplicate candidates and placement, and written (404 otherwise) only by admins of
  their organisation (RIGHTS_ROLES); every read needs a stated reason.

Only districts, municipalities and providers hold capacity (authz.CAPACITY_KINDS): reach
leaves out every other organisation, so a landlord company's admin runs no shelter and no
registry (403 when creating, 404 for ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select

from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound
from exchange.extensions import db
from exchange.i18n import N_
from exchange.profiles import authz
from exchange.profiles.models import Organization, Role, User

from .models import SPECIAL_FIELDS, Bed, Household, Person, Shelter, ShelterRoom

#: Roles that run shelters and the registry.
CASE_ROLES = frozenset({Role.CASEWORKER, Role.ADMIN})
#: Kinds of organisation that hold shelters, beds and persons.
CAPACITY_KINDS = authz.CAPACITY_KINDS
#: Why a landlord company (or the state) gets 403 for capacity of its own.
NO_CAPACITY = N_("Only districts, municipalities and providers run shelters and a person "
                 "registry.")
#: Roles that see special categories of personal data (religion, health).
SPECIAL_ROLES = frozenset({Role.CASEWORKER})
#: Roles that see capacity counts.
COUNT_ROLES = authz.STAFF_ROLES
#: Roles that restrict, lift a restriction, erase, and still find restricted persons.
RIGHTS_ROLES = frozenset({Role.ADMIN})
#: Why a restricted person cannot be read without a reason (Art. 18).
REASON_NEEDED = N_("This record is restricted (GDPR Art. 18): state why you open it.")


def taken(id_column, own_id: int | None, *conditions) -> bool:
    """Whether a row other than ``own_id`` (the row being changed; None for a new one)
    meets the conditions: a value that must be unique is taken."""
    stmt = select(id_column).where(*conditions)
    if own_id is not None:
        stmt = stmt.where(id_column != own_id)
    return db.session.scalar(stmt) is not None


# --- reach ---------------------------------------------------------------------------------


def capacity_scope(actor: User, roles: Iterable[str]) -> set[int]:
    """The organisations the actor reaches in these roles (authz.scope) that may hold
    capacity: never a landlord company, whatever roles its members have."""
    return authz.scope(actor, roles, CAPACITY_KINDS)


def require_in_scope(actor: User, organization_id: int, roles: Iterable[str]) -> None:
    """404 unless the actor reaches the organisation in one of the roles."""
    if organization_id not in capacity_scope(actor, roles):
        raise NotFound()


def organization_for_new(actor: User, organization_id: int | None) -> int:
    """The organisation in which the actor creates something: the one named (it must be
    within their reach as caseworker or admin), or their only one."""
    roots = authz.organizations_with_role(actor, CASE_ROLES)
    if not roots:
        raise Forbidden("Only caseworkers and admins of an organisation may do this.")
    reach = authz.descendants_and_self(roots, CAPACITY_KINDS)
    if not reach:  # e.g. the admin of a landlord company
        raise Forbidden(NO_CAPACITY)
    if organization_id is None:
        if len(roots) != 1:
            raise InvalidInput({"organization_id": "Missing data for required field."})
        (organization_id,) = roots
    if organization_id not in reach:
        organization = db.session.get(Organization, organization_id)
        if organization is not None and organization.kind not in CAPACITY_KINDS:
            raise Forbidden(NO_CAPACITY)
        raise Forbidden("Only caseworkers and admins of this organisation may do this.")
    return organization_id


# --- may -----------------------------------------------------------------------------------


def may_run_capacity(actor: User, roles: Iterable[str] = CASE_ROLES) -> bool:
    """Whether the actor reaches any organisation holding capacity in these roles."""
    return bool(authz.organizations_with_role(actor, roles)) and bool(
        capacity_scope(actor, roles))


def may_see_persons(actor: User, organization_id: int) -> bool:
    """Persons of this organisation: its caseworkers and admins (and those above it)."""
    return organization_id in capacity_scope(actor, CASE_ROLES)


def may_see_special_categories(actor: User, organization_id: int) -> bool:
    """Religion and health notes: caseworkers of the owning organisation (or above) only."""
    return organization_id in capacity_scope(actor, SPECIAL_ROLES)


def may_see_restricted(actor: User, organization_id: int) -> bool:
    """Restricted persons stay visible (search, duplicates, placement, changes) to the
    admins of their district only; they alone write them."""
    return organization_id in capacity_scope(actor, RIGHTS_ROLES)


def check_special(actor: User, organization_id: int, values: dict) -> None:
    """403 when values for religion or health notes come from someone who may not see them."""
    sent = [name for name in SPECIAL_FIELDS if name in values]
    if sent and not may_see_special_categories(actor, organization_id):
        raise Forbidden("Only caseworkers record religion and health notes.")


def visible_persons_clause(actor: User):
    """Persons not restricted, or restricted in an organisation the actor administers."""
    admin_reach = capacity_scope(actor, RIGHTS_ROLES)
    return or_(Person.restricted_at.is_(None), Person.organization_id.in_(sorted(admin_reach)))


def check_read_reason(person: Person, reason: str | None) -> str | None:
    """A restricted person is read only with a stated reason (422 naming ``reason``);
    returns the reason to audit (None for an unrestricted person)."""
    if person.restricted_at is None:
        return None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": REASON_NEEDED})
    return reason


def check_not_anonymised(persons: Iterable[Person]) -> None:
    """409 for an anonymised person: the record is history only."""
    if any(person.anonymised_at is not None for person in persons):
        raise Conflict("This person has been anonymised; the record is history only.")


def _check_restricted_write(actor: User, persons: Iterable[Person]) -> None:
    """Processing of a restricted person (a write) is for the district's admins only;
    to everyone else the record answers like one out of reach."""
    if any(
        p.restricted_at is not None and not may_see_restricted(actor, p.organization_id)
        for p in persons
    ):
        raise NotFound()


# --- get ... for ---------------------------------------------------------------------------


def get_shelter_for(
    viewer: User, shelter_id: int, roles: Iterable[str] = COUNT_ROLES, lock: bool = False
) -> Shelter:
    """A shelter the viewer reaches in one of the roles, else 404; ``lock``: its row
    locked (and read afresh) for a change."""
    if not lock:
        return authz.get_in_scope_or_404(viewer, Shelter, shelter_id, roles, CAPACITY_KINDS)
    shelter = db.session.get(Shelter, shelter_id, with_for_update=True, populate_existing=True)
    if shelter is None or shelter.organization_id not in capacity_scope(viewer, roles):
        raise NotFound()
    return shelter


def get_household_for(actor: User, household_id: int) -> Household:
    """A household of the actor's reach (caseworkers and admins), else 404."""
    return authz.get_in_scope_or_404(actor, Household, household_id, CASE_ROLES,
                                     CAPACITY_KINDS)


def get_person_for(
    actor: User, person_id: int, lock: bool = False, reach: set[int] | None = None
) -> Person:
    """A person of the actor's reach (caseworkers and admins), else 404; ``lock``: locked
    for a write, which a restricted person allows only the district's admins (404)."""
    stmt = select(Person).where(Person.id == person_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    person = db.session.scalar(stmt)
    reach = capacity_scope(actor, CASE_ROLES) if reach is None else reach
    if person is None or person.organization_id not in reach:
        raise NotFound()
    if lock:
        _check_restricted_write(actor, [person])
    return person


def get_persons_for(
    actor: User, person_ids: Iterable[int], lock: bool, reach: set[int] | None = None
) -> list[Person]:
    """Persons in id order (locked with ``lock``); 404 if any is missing or out of reach."""
    ids = sorted(set(person_ids))
    stmt = select(Person).where(Person.id.in_(ids)).order_by(Person.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    persons = list(db.session.scalars(stmt))
    reach = capacity_scope(actor, CASE_ROLES) if reach is None else reach
    if len(persons) != len(ids) or any(p.organization_id not in reach for p in persons):
        raise NotFound()
    if lock:
        _check_restricted_write(actor, persons)
    return persons


def get_beds_for(
    actor: User, bed_ids: Sequence[int], lock: bool, reach: set[int] | None = None
) -> list[tuple[Bed, int]]:
    """(bed, shelter id) for each id, locked in id order; 404 if any is out of reach."""
    ids = sorted(set(bed_ids))
    stmt = (
        select(Bed, ShelterRoom.shelter_id, Shelter.organization_id)
        .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
        .join(Shelter, Shelter.id == ShelterRoom.shelter_id)
        .where(Bed.id.in_(ids))
        .order_by(Bed.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Bed).execution_options(populate_existing=True)
    rows = db.session.execute(stmt).all()
    reach = capacity_scope(actor, CASE_ROLES) if reach is None else reach
    if len(rows) != len(ids) or any(org not in reach for _bed, _shelter, org in rows):
        raise NotFound()
    return [(bed, shelter_id) for bed, shelter_id, _org in rows]
