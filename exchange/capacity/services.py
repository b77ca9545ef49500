"""Capacity: shelters, rooms and beds, the person registry, occupancy, moves, placement,
publication of free beds, the audit log. Every write and rule of the domain.

Who may do what (anything outside one's reach answers 404, whatever id was sent):
- shelters, rooms, beds, occupancies, moves, placements: caseworkers and admins whose
  reach (capacity_scope) includes the shelter's organisation (CASE_ROLES);
- persons, households, activities: caseworkers and admins reaching the person's
  organisation; religion and health notes only caseworkers. Every read and write of a
  person appends a PersonAudit row (who, when, which person, what; never the data);
- capacity counts and the room plan without persons: all staff of the organisation or
  above it (officials see counts only);
- the audit log: admins reaching the organisation.
- a restricted person (GDPR Art. 18, exchange.capacity.rights): left out of search,
  duplicate candidates and placement, and written (404 otherwise) only by admins of
  their organisation; every read needs a stated reason, audited beside the read.

Only districts, municipalities and providers hold capacity (authz.CAPACITY_KINDS): reach
leaves out every other organisation, so a landlord company's admin runs no shelter and no
registry (403 when creating, 404 for ids).

Locks are always taken in one order, so concurrent calls cannot deadlock: persons (by
id), beds (by id), shelters (by id), their counter rows (by shelter id), then listings.
The counters themselves are kept by database triggers (migration 0008); after a change
the service reads them back and updates the shelter's published listing in the same
transaction, then sends `capacity_changed` (emitted after commit by exchange.realtime).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from geoalchemy2 import Geography
from sqlalchemy import Float, and_, cast, delete, func, insert, literal_column, or_, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.dialects.postgresql import insert as pg_insert

from exchange import signals
from exchange.db import point_wkt
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.i18n import N_
from exchange.listings import services as listings
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import Organization, Role, User

from .models import (
    Activity,
    ActivityStatus,
    Bed,
    BedStatus,
    CapacityCount,
    CapacitySnapshot,
    Gender,
    Household,
    Occupancy,
    Person,
    PersonAudit,
    PersonAuditReason,
    PersonChange,
    RoomPolicy,
    Shelter,
    ShelterRoom,
)

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
#: Person fields that are special categories (GDPR Art. 9).
SPECIAL_FIELDS = ("religion", "health_notes")
PERSON_FIELDS = (
    "external_id",
    "family_name",
    "given_names",
    "birth_date",
    "gender",
    "nationality",
    "languages",
    "religion",
    "health_notes",
    "profession",
    "household_id",
    "arrival_date",
)
#: The expression that the trigram index ix_persons_name_trgm covers.
NAME_EXPRESSION = func.lower(
    Person.family_name.op("||")(literal_column("' '")).op("||")(Person.given_names)
)
MAX_BEDS_PER_ROOM = 500


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


#: Roles that restrict, lift a restriction, erase, and still find restricted persons.
RIGHTS_ROLES = frozenset({Role.ADMIN})
#: Why a restricted person cannot be read without a reason (Art. 18).
REASON_NEEDED = N_("This record is restricted (GDPR Art. 18): state why you open it.")


# --- reach ---------------------------------------------------------------------------------


def capacity_scope(actor: User, roles: Iterable[str]) -> set[int]:
    """The organisations the actor reaches in these roles (authz.scope) that may hold
    capacity: never a landlord company, whatever roles its members have."""
    return authz.scope(actor, roles, CAPACITY_KINDS)


def runs_capacity(actor: User, roles: Iterable[str] = CASE_ROLES) -> bool:
    """Whether the actor reaches any organisation holding capacity in these roles."""
    return bool(authz.organizations_with_role(actor, roles)) and bool(
        capacity_scope(actor, roles))


def _require_in_scope(actor: User, organization_id: int, roles: Iterable[str]) -> None:
    if organization_id not in capacity_scope(actor, roles):
        raise NotFound()


def _organization_for_new(actor: User, organization_id: int | None) -> int:
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


def may_see_persons(actor: User, organization_id: int) -> bool:
    """Persons of this organisation: its caseworkers and admins (and those above it)."""
    return organization_id in capacity_scope(actor, CASE_ROLES)


def sees_special_categories(actor: User, organization_id: int) -> bool:
    """Religion and health notes: caseworkers of the owning organisation (or above) only."""
    return organization_id in capacity_scope(actor, SPECIAL_ROLES)


def _check_special(actor: User, organization_id: int, values: dict) -> None:
    sent = [name for name in SPECIAL_FIELDS if name in values]
    if sent and not sees_special_categories(actor, organization_id):
        raise Forbidden("Only caseworkers record religion and health notes.")


# --- audit ---------------------------------------------------------------------------------


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


# --- restriction (GDPR Art. 18) ------------------------------------------------------------


def sees_restricted(actor: User, organization_id: int) -> bool:
    """Restricted persons stay visible (search, duplicates, placement, changes) to the
    admins of their district only."""
    return organization_id in capacity_scope(actor, RIGHTS_ROLES)


def _visible_clause(actor: User):
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
    _require_in_scope(actor, organization_id, {Role.ADMIN})
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


# --- capacity figures and publication ------------------------------------------------------


@dataclass
class Capacity:
    """Bed counts of a shelter or a sum of shelters (free = total - blocked - occupied)."""

    total: int = 0
    blocked: int = 0
    occupied: int = 0
    by_policy: dict[str, int] = field(default_factory=lambda: {p.value: 0 for p in RoomPolicy})
    accessible_free: int = 0
    free_published: int = 0
    shelters: int = 0

    @property
    def free(self) -> int:
        return sum(self.by_policy.values())

    def add(self, counts: CapacityCount, shelter: Shelter) -> None:
        self.total += counts.total
        self.blocked += counts.blocked
        self.occupied += counts.occupied
        for policy, free in counts.by_policy.items():
            self.by_policy[policy] += free
        self.accessible_free += counts.free_accessible
        self.free_published += published_free(counts, shelter)
        self.shelters += 1


def published_free(counts: CapacityCount, shelter: Shelter) -> int:
    """Free beds as published: max(free - reserve_beds - held_beds, 0) (held: accepted
    transfer requests of other districts); 0 while not published."""
    if not shelter.publish_capacity:
        return 0
    return max(counts.free - shelter.reserve_beds - shelter.held_beds, 0)


def _published_values(shelter: Shelter, counts: CapacityCount, place: bool) -> dict:
    """The listing's fields: counts only (each policy and accessible capped at the
    published total, so that no figure gives the reserve away); with ``place`` also the
    shelter's name, address and location."""
    free = published_free(counts, shelter)
    values: dict = {
        "free_beds": free,
        "beds_by_policy": {policy: min(n, free) for policy, n in counts.by_policy.items()},
        "accessible_beds": min(counts.free_accessible, free),
    }
    if place:
        values["title"] = shelter.name
        values["address"] = {
            "street": shelter.street,
            "postal_code": shelter.postal_code,
            "city": shelter.city,
        }
        values["location"] = _location_dict(shelter)
    return values


def _location_dict(shelter: Shelter) -> dict:
    from exchange.geo import point_to_dict

    return point_to_dict(shelter.location)


def _lock_counts(shelter_ids: Iterable[int]) -> None:
    """Lock the shelters' counter rows in id order before writing beds or occupancies, so
    that the triggers of two calls touching the same shelters never wait on each other
    in opposite orders."""
    ids = sorted(set(shelter_ids))
    if ids:
        db.session.execute(
            select(CapacityCount.shelter_id)
            .where(CapacityCount.shelter_id.in_(ids))
            .order_by(CapacityCount.shelter_id)
            .with_for_update()
        )


def _counts(shelter_id: int) -> CapacityCount:
    """The counter row as the triggers left it in this transaction."""
    return db.session.scalars(
        select(CapacityCount)
        .where(CapacityCount.shelter_id == shelter_id)
        .execution_options(populate_existing=True)
    ).one()


def _organization_chain(organization_id: int) -> list[int]:
    """The organisation and those above it (a few levels: municipality, district, state)."""
    chain = []
    current = db.session.get(Organization, organization_id)
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = current.parent
    return chain


def _publish(shelter_ids: Iterable[int], place: bool = False) -> None:
    """After beds, rooms, occupancies or settings changed (flushed): bring each shelter's
    listing up to date in this transaction and announce the new counts. ``place``: the
    shelter's name, address or location may have changed too."""
    for shelter_id in sorted(set(shelter_ids)):
        shelter = db.session.scalars(
            select(Shelter)
            .where(Shelter.id == shelter_id)
            .execution_options(populate_existing=True)
        ).one()
        counts = _counts(shelter_id)
        listing = None
        if shelter.publish_capacity or shelter.listing_id is not None:
            listing = listings.sync_registry_listing(
                shelter.listing_id,
                organization_id=shelter.organization_id,
                shelter_id=shelter.id,
                values=_published_values(shelter, counts, place or shelter.listing_id is None),
                publish=shelter.publish_capacity,
            )
            if listing is not None and shelter.listing_id != listing.id:
                shelter.listing_id = listing.id
                db.session.flush()
        published = listing is not None and listing.status in listings.STAFF_VISIBLE
        payload = {
            "shelter_id": shelter.id,
            "organization_id": shelter.organization_id,
            "free": counts.free,
            "free_published": published_free(counts, shelter) if published else 0,
            "listing_id": listing.id if published else None,
        }
        signals.capacity_changed.send(
            shelter,
            payload=payload,
            organization_ids=_organization_chain(shelter.organization_id),
            published=published,
        )


def shelter_capacity(viewer: User, shelter_id: int) -> Capacity:
    """A shelter's counts (staff reaching its organisation)."""
    shelter = get_shelter(viewer, shelter_id)
    capacity = Capacity()
    capacity.add(_counts(shelter.id), shelter)
    return capacity


def organization_capacity(viewer: User, organization_id: int) -> Capacity:
    """Totals over the shelters of an organisation and those below it (any staff member:
    these are counts, as on the map)."""
    if db.session.get(Organization, organization_id) is None:
        raise NotFound()
    if not authz.is_staff(viewer) and not viewer.is_platform_admin:
        raise Forbidden("Only staff of public organisations see capacity.")
    reach = sorted(authz.descendants_and_self([organization_id]))
    capacity = Capacity()
    rows = db.session.execute(
        select(CapacityCount, Shelter)
        .join(Shelter, Shelter.id == CapacityCount.shelter_id)
        .where(CapacityCount.organization_id.in_(reach))
    )
    for counts, shelter in rows:
        capacity.add(counts, shelter)
    return capacity


# --- shelters ------------------------------------------------------------------------------

SHELTER_FIELDS = ("name", "kind", "address", "location", "publish_capacity", "reserve_beds")


def _apply_shelter(shelter: Shelter, values: dict) -> None:
    for name, value in values.items():
        if name == "address":
            for part in ("street", "postal_code", "city"):
                if part in value:
                    setattr(shelter, part, value[part] if value[part] is not None else "")
        elif name == "location":
            shelter.location = point_wkt(value["lat"], value["lon"])
        elif name in SHELTER_FIELDS:
            setattr(shelter, name, value)


def create_shelter(actor: User, values: dict, organization_id: int | None = None) -> Shelter:
    """A new shelter of an organisation (its caseworkers and admins); published at once
    when ``publish_capacity`` is set (with no beds yet: 0 free)."""
    organization_id = _organization_for_new(actor, organization_id)
    address = values.get("address") or {}
    missing = {
        name: "Missing data for required field."
        for name, present in (
            ("name", values.get("name")),
            ("address", address.get("postal_code") and address.get("city")),
            ("location", values.get("location")),
        )
        if not present
    }
    if missing:
        raise InvalidInput(missing)
    shelter = Shelter(organization_id=organization_id, street="", kind=values.get("kind"))
    _apply_shelter(shelter, values)
    db.session.add(shelter)
    db.session.flush()  # the trigger adds the counter row
    _publish([shelter.id], place=True)
    return shelter


def get_shelter(viewer: User, shelter_id: int, roles: Iterable[str] = COUNT_ROLES) -> Shelter:
    """A shelter the viewer reaches in one of the roles, else 404."""
    return authz.get_in_scope_or_404(viewer, Shelter, shelter_id, roles, CAPACITY_KINDS)


def _lock_shelter(actor: User, shelter_id: int) -> Shelter:
    shelter = db.session.scalar(
        select(Shelter)
        .where(Shelter.id == shelter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if shelter is None or shelter.organization_id not in capacity_scope(actor, CASE_ROLES):
        raise NotFound()
    return shelter


def update_shelter(actor: User, shelter_id: int, changes: dict) -> Shelter:
    """Change a shelter's data or publication settings; the listing follows (withdrawn
    when publish_capacity is turned off)."""
    shelter = _lock_shelter(actor, shelter_id)
    _lock_counts([shelter.id])
    _apply_shelter(shelter, changes)
    db.session.flush()
    _publish([shelter.id], place=True)
    return shelter


def list_shelters(
    viewer: User, organization_id: int | None = None, limit: int = 50, cursor: str | None = None
) -> Page:
    """Shelters within the viewer's reach (staff), optionally of one organisation."""
    reach = capacity_scope(viewer, COUNT_ROLES)
    if organization_id is not None:
        reach &= {organization_id}
    stmt = select(Shelter).where(Shelter.organization_id.in_(sorted(reach)))
    return page_by_id(stmt, Shelter.id, limit, cursor)


def counts_for(shelters: Sequence[Shelter]) -> dict[int, Capacity]:
    """Capacity of several shelters, read in one query (for lists)."""
    ids = [shelter.id for shelter in shelters]
    by_id = {shelter.id: shelter for shelter in shelters}
    result = {}
    if ids:
        for counts in db.session.scalars(
            select(CapacityCount).where(CapacityCount.shelter_id.in_(ids))
        ):
            capacity = Capacity()
            capacity.add(counts, by_id[counts.shelter_id])
            result[counts.shelter_id] = capacity
    return result


# --- rooms and beds ------------------------------------------------------------------------


def add_room(
    actor: User, shelter_id: int, name: str, policy: str, accessible: bool = False, beds: int = 0
) -> ShelterRoom:
    """A room with ``beds`` new available beds labelled 1..N."""
    if not 0 <= beds <= MAX_BEDS_PER_ROOM:
        raise InvalidInput({"beds": Text("Between 0 and %(max)d.", max=MAX_BEDS_PER_ROOM)})
    shelter = _lock_shelter(actor, shelter_id)
    _lock_counts([shelter.id])
    name = name.strip()
    _check_room_name(shelter.id, name)
    room = ShelterRoom(shelter_id=shelter.id, name=name, policy=policy, accessible=accessible)
    db.session.add(room)
    db.session.flush()
    if beds:
        db.session.execute(
            insert(Bed),
            [
                {"room_id": room.id, "label": str(n), "status": BedStatus.AVAILABLE.value}
                for n in range(1, beds + 1)
            ],
        )
    db.session.expire(room, ["beds"])
    _publish([shelter.id])
    return room


def _check_room_name(shelter_id: int, name: str, room_id: int | None = None) -> None:
    stmt = select(ShelterRoom.id).where(
        ShelterRoom.shelter_id == shelter_id, ShelterRoom.name == name
    )
    if room_id is not None:
        stmt = stmt.where(ShelterRoom.id != room_id)
    if db.session.scalar(stmt) is not None:
        message = "This shelter has a room of this name already."
        raise Conflict(message, {"json": {"name": [message]}})


def update_room(actor: User, shelter_id: int, room_id: int, changes: dict) -> ShelterRoom:
    """Rename a room or change its policy or accessibility (its beds' counts move)."""
    shelter = _lock_shelter(actor, shelter_id)
    room = db.session.get(ShelterRoom, room_id)
    if room is None or room.shelter_id != shelter.id:
        raise NotFound()
    _lock_counts([room.shelter_id])
    db.session.refresh(room, with_for_update=True)
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
        _check_room_name(room.shelter_id, changes["name"], room.id)
    for name in ("name", "policy", "accessible"):
        if name in changes:
            setattr(room, name, changes[name])
    db.session.flush()
    _publish([room.shelter_id])
    return room


@dataclass
class BedView:
    bed: Bed
    occupancy_id: int | None = None
    person_id: int | None = None

    @property
    def occupied(self) -> bool:
        return self.occupancy_id is not None


@dataclass
class RoomView:
    room: ShelterRoom
    beds: list[BedView]

    @property
    def free_beds(self) -> int:
        return sum(1 for b in self.beds if b.bed.status == BedStatus.AVAILABLE and not b.occupied)


def shelter_rooms(viewer: User, shelter_id: int) -> list[RoomView]:
    """The room plan: rooms, beds, which are occupied; occupants' ids only for those who
    may see persons (caseworkers and admins)."""
    shelter = get_shelter(viewer, shelter_id)
    with_persons = may_see_persons(viewer, shelter.organization_id)
    rooms = list(
        db.session.scalars(
            select(ShelterRoom).where(ShelterRoom.shelter_id == shelter.id).order_by(ShelterRoom.id)
        )
    )
    rows = db.session.execute(
        select(Bed, Occupancy.id, Occupancy.person_id)
        .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
        .outerjoin(Occupancy, and_(Occupancy.bed_id == Bed.id, func.upper_inf(Occupancy.period)))
        .where(ShelterRoom.shelter_id == shelter.id)
        .order_by(Bed.id)
    )
    beds: dict[int, list[BedView]] = {room.id: [] for room in rooms}
    for bed, occupancy_id, person_id in rows:
        beds[bed.room_id].append(BedView(bed, occupancy_id, person_id if with_persons else None))
    return [RoomView(room, beds[room.id]) for room in rooms]


def _beds_in_reach(
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


def _open_occupancy_of_bed(bed_id: int) -> Occupancy | None:
    return db.session.scalar(
        select(Occupancy).where(Occupancy.bed_id == bed_id, func.upper_inf(Occupancy.period))
    )


def set_bed_status(actor: User, bed_id: int, status: str, reason: str | None = None) -> Bed:
    """Block a bed (or take it out of service) with a reason, or make it available again.
    An occupied bed is not blocked (409): move its occupant first."""
    ((bed, shelter_id),) = _beds_in_reach(actor, [bed_id], lock=True)
    _lock_counts([shelter_id])
    if status != BedStatus.AVAILABLE and _open_occupancy_of_bed(bed.id) is not None:
        message = "This bed is occupied; move or check out its occupant first."
        raise Conflict(message, {"json": {"status": [message]}})
    bed.status = status
    bed.block_reason = None
    if status != BedStatus.AVAILABLE:
        bed.block_reason = (reason or "").strip() or None
    db.session.flush()
    _publish([shelter_id])
    return bed


# --- persons -------------------------------------------------------------------------------


def _person_in_reach(
    actor: User, person_id: int, lock: bool = False, reach: set[int] | None = None
) -> Person:
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


def _check_restricted_write(actor: User, persons: Iterable[Person]) -> None:
    """Processing of a restricted person (a write) is for the district's admins only;
    to everyone else the record answers like one out of reach."""
    if any(
        p.restricted_at is not None and not sees_restricted(actor, p.organization_id)
        for p in persons
    ):
        raise NotFound()


def _check_not_anonymised(persons: Iterable[Person]) -> None:
    if any(person.anonymised_at is not None for person in persons):
        raise Conflict("This person has been anonymised; the record is history only.")


def _persons_in_reach(
    actor: User, person_ids: Iterable[int], lock: bool, reach: set[int] | None = None
) -> list[Person]:
    """Persons locked in id order; 404 if any is missing or out of reach."""
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


def _check_household(household_id: int | None, organization_id: int) -> None:
    if household_id is None:
        return
    household = db.session.get(Household, household_id)
    if household is None or household.organization_id != organization_id:
        raise InvalidInput({"household_id": "No such household in this organisation."})


def _check_external_id(organization_id: int, external_id: str | None, person_id=None) -> None:
    if not external_id:
        return
    stmt = select(Person.id).where(
        Person.organization_id == organization_id, Person.external_id == external_id
    )
    if person_id is not None:
        stmt = stmt.where(Person.id != person_id)
    if db.session.scalar(stmt) is not None:
        message = "This external_id is taken already."
        raise Conflict(message, {"json": {"external_id": [message]}})


def create_person(
    actor: User, values: dict, organization_id: int | None = None
) -> tuple[Person, list[tuple[int, float]]]:
    """Register a person (caseworkers and admins; religion and health caseworkers only).
    Returns the person and the possible duplicates already registered [(id, score)]."""
    organization_id = _organization_for_new(actor, organization_id)
    _check_special(actor, organization_id, values)
    _check_household(values.get("household_id"), organization_id)
    _check_external_id(organization_id, values.get("external_id"))
    person = Person(organization_id=organization_id, given_names="", languages=[])
    for name in PERSON_FIELDS:
        if name in values:
            setattr(person, name, values[name])
    db.session.add(person)
    db.session.flush()
    audit(actor, [person], AuditAction.CREATE)
    return person, duplicate_candidates(person, restricted=sees_restricted(actor, organization_id))


#: Duplicate candidates: same birth date and at least this trigram similarity of name keys.
DUPLICATE_THRESHOLD = 0.5


def duplicate_candidates(
    person: Person, limit: int = 10, restricted: bool = False
) -> list[tuple[int, float]]:
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
    return [(person_id, round(float(value), 3)) for person_id, value in rows]


def get_person(actor: User, person_id: int, reason: str | None = None) -> Person:
    """One person (caseworkers and admins of the owning organisation); audited. A
    restricted person needs a stated reason, audited with the read."""
    person = _person_in_reach(actor, person_id)
    audit(actor, [person], AuditAction.READ, check_read_reason(person, reason))
    return person


def _as_text(value) -> str | None:
    """A field's value as the correction history keeps it."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _changes(actor: User, person: Person, values: dict) -> list[dict]:
    """person_changes rows for the fields these values change (old and new as text)."""
    rows = []
    for name, value in values.items():
        old, new = _as_text(getattr(person, name)), _as_text(value)
        if old != new:
            rows.append({"person_id": person.id, "organization_id": person.organization_id,
                         "user_id": actor.id, "field": name, "old_value": old,
                         "new_value": new})
    return rows


def update_person(actor: User, person_id: int, changes: dict) -> Person:
    """Correct a person's data; audited, and every changed field kept in person_changes
    with its old and new value, who and when (GDPR Art. 16)."""
    person = _person_in_reach(actor, person_id, lock=True)
    _check_not_anonymised([person])
    _check_special(actor, person.organization_id, changes)
    if "household_id" in changes:
        _check_household(changes["household_id"], person.organization_id)
    if "external_id" in changes:
        _check_external_id(person.organization_id, changes["external_id"], person.id)
    history = _changes(actor, person, {n: changes[n] for n in PERSON_FIELDS if n in changes})
    for name in PERSON_FIELDS:
        if name in changes:
            setattr(person, name, changes[name])
    db.session.flush()
    if history:
        db.session.execute(insert(PersonChange), history)
    audit(actor, [person], AuditAction.UPDATE)
    return person


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_persons(
    actor: User,
    q: str | None = None,
    organization_id: int | None = None,
    household_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Persons within the actor's reach (caseworkers and admins), by name or external id;
    every person returned is audited."""
    reach = capacity_scope(actor, CASE_ROLES)
    if not reach:
        raise Forbidden("Only caseworkers and admins see the registry.")
    if organization_id is not None:
        reach &= {organization_id}
    stmt = select(Person).where(
        Person.organization_id.in_(sorted(reach)),
        Person.merged_into_id.is_(None),
        _visible_clause(actor),
    )
    if household_id is not None:
        stmt = stmt.where(Person.household_id == household_id)
    if q:
        pattern = f"%{_escape_like(q.strip().lower())}%"
        stmt = stmt.where(or_(NAME_EXPRESSION.like(pattern), Person.external_id == q.strip()))
    page = page_by_id(stmt, Person.id, limit, cursor)
    audit(actor, page.items, AuditAction.SEARCH)
    return page


def current_beds(person_ids: Iterable[int]) -> dict[int, int]:
    """person id → the bed of their open occupancy, for those housed."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Occupancy.person_id, Occupancy.bed_id).where(
            Occupancy.person_id.in_(ids), func.upper_inf(Occupancy.period)
        )
    )
    return dict(rows.all())


# --- households ----------------------------------------------------------------------------


def create_household(
    actor: User,
    member_ids: Sequence[int],
    organization_id: int | None = None,
    ref: str | None = None,
) -> Household:
    """A household of persons of one organisation (a person leaves their old one)."""
    organization_id = _organization_for_new(actor, organization_id)
    members = _persons_in_reach(actor, member_ids, lock=True) if member_ids else []
    if any(person.organization_id != organization_id for person in members):
        raise NotFound()
    household = Household(organization_id=organization_id, ref=(ref or "").strip() or None)
    db.session.add(household)
    db.session.flush()
    history = [row for p in members for row in _changes(actor, p, {"household_id": household.id})]
    for person in members:
        person.household_id = household.id
    db.session.flush()
    if history:
        db.session.execute(insert(PersonChange), history)
    audit(actor, members, AuditAction.HOUSEHOLD)
    return household


def get_household(actor: User, household_id: int) -> Household:
    return authz.get_in_scope_or_404(actor, Household, household_id, CASE_ROLES,
                                     CAPACITY_KINDS)


def household_member_ids(household_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Person.id).where(Person.household_id == household_id).order_by(Person.id)
        )
    )


# --- occupancy: check-in, check-out, moves -------------------------------------------------


def _database_now() -> datetime:
    """The database's clock now (not the transaction's start), read after the row locks:
    a period that starts after a check-out committed by another call never overlaps it."""
    return db.session.scalar(select(func.clock_timestamp()))


def _open_occupancies_of(person_ids: Iterable[int]) -> list[Occupancy]:
    ids = sorted(set(person_ids))
    return list(
        db.session.scalars(
            select(Occupancy)
            .where(Occupancy.person_id.in_(ids), func.upper_inf(Occupancy.period))
            .order_by(Occupancy.person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _shelter_of_bed(bed_id: int) -> int:
    return db.session.scalar(
        select(ShelterRoom.shelter_id)
        .join(Bed, Bed.room_id == ShelterRoom.id)
        .where(Bed.id == bed_id)
    )


def _bed_taken(bed: Bed) -> Conflict:
    message = "This bed is taken."
    return Conflict(message, {"json": {"bed_id": [message]}})


def _bed_blocked(bed: Bed) -> Conflict:
    message = (
        "This bed is blocked."
        if bed.status == BedStatus.BLOCKED
        else ("This bed is out of service.")
    )
    return Conflict(message, {"json": {"bed_id": [message]}})


def check_in(actor: User, person_id: int, bed_id: int) -> Occupancy:
    """House a person in a free bed. 409 if the bed is taken or blocked or the person is
    housed already (the exclusion constraints settle races the checks cannot see)."""
    reach = capacity_scope(actor, CASE_ROLES)
    person = _person_in_reach(actor, person_id, lock=True, reach=reach)
    _check_not_anonymised([person])
    ((bed, shelter_id),) = _beds_in_reach(actor, [bed_id], lock=True, reach=reach)
    _lock_counts([shelter_id])
    if _open_occupancies_of([person.id]):
        message = "This person is housed already; move them instead."
        raise Conflict(message, {"json": {"person_id": [message]}})
    if bed.status != BedStatus.AVAILABLE:
        raise _bed_blocked(bed)
    if _open_occupancy_of_bed(bed.id) is not None:
        raise _bed_taken(bed)
    occupancy = Occupancy(
        person_id=person.id,
        bed_id=bed.id,
        period=Range(_database_now(), None, bounds="[)"),
        created_by_id=actor.id,
    )
    db.session.add(occupancy)
    db.session.flush()
    audit(actor, [person], AuditAction.CHECK_IN)
    _publish([shelter_id])
    return occupancy


def check_out(actor: User, occupancy_id: int) -> Occupancy:
    """End an open occupancy now (the person leaves); 409 if it has ended already."""
    found = db.session.get(Occupancy, occupancy_id)
    if found is None:
        raise NotFound()
    person = _person_in_reach(actor, found.person_id, lock=True)
    occupancy = db.session.scalars(
        select(Occupancy)
        .where(Occupancy.id == occupancy_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    shelter_id = _shelter_of_bed(occupancy.bed_id)
    _lock_counts([shelter_id])
    if not occupancy.is_open:
        message = "This occupancy has ended already."
        raise Conflict(message, {"json": {"occupancy_id": [message]}})
    _end(occupancy, _database_now(), actor)
    db.session.flush()
    audit(actor, [person], AuditAction.CHECK_OUT)
    _publish([shelter_id])
    return occupancy


def _end(occupancy: Occupancy, now: datetime, actor: User | None) -> None:
    occupancy.period = Range(occupancy.period.lower, now, bounds="[)")
    occupancy.ended_by_id = actor.id if actor is not None else None


@dataclass
class MoveResult:
    started: list[Occupancy]
    ended: list[Occupancy]


def move(
    actor: User,
    bed_ids: Sequence[int],
    person_id: int | None = None,
    household_id: int | None = None,
) -> MoveResult:
    """Move one person, or a whole household, to other beds in one transaction.

    A household's members (by id) go to ``bed_ids`` in the order given. Each mover's open
    occupancy ends and a new one starts at the same instant, so nobody is ever housed
    twice or nowhere; members not housed yet are checked in. Target beds must be
    available and free, or held by the movers themselves (swaps within the household).
    Anything wrong: 409/404/422 and nothing changes.
    """
    if (person_id is None) == (household_id is None):
        raise InvalidInput({"person_id": "Give person_id or household_id."})
    if len(set(bed_ids)) != len(bed_ids):
        raise InvalidInput({"bed_ids": "Each bed once."})
    reach = capacity_scope(actor, CASE_ROLES)
    if household_id is not None:
        household = db.session.get(Household, household_id)
        if household is None or household.organization_id not in reach:
            raise NotFound()
        member_ids = household_member_ids(household_id)
        if not member_ids:
            raise InvalidInput({"household_id": "This household has no members."})
    else:
        member_ids = [person_id]
    if len(bed_ids) != len(member_ids):
        raise InvalidInput({"bed_ids": Text("Give one bed per person to move (%(n)d).",
                                            n=len(member_ids))})
    movers = _persons_in_reach(actor, member_ids, lock=True, reach=reach)
    _check_not_anonymised(movers)
    if household_id is not None and any(p.household_id != household_id for p in movers):
        raise Conflict("The household changed meanwhile; reload and try again.")
    target_of = dict(zip(sorted(member_ids), bed_ids, strict=True))
    targets = _beds_in_reach(actor, bed_ids, lock=True, reach=reach)
    current = _open_occupancies_of(member_ids)
    current_shelters = {
        occupancy.bed_id: _shelter_of_bed(occupancy.bed_id) for occupancy in current
    }
    _lock_counts([shelter for _bed, shelter in targets] + list(current_shelters.values()))
    mover_ids = set(member_ids)
    for bed, _shelter in targets:
        if bed.status != BedStatus.AVAILABLE:
            raise _bed_blocked(bed)
        holder = _open_occupancy_of_bed(bed.id)
        if holder is not None and holder.person_id not in mover_ids:
            raise _bed_taken(bed)
    now = _database_now()
    staying = {o.person_id for o in current if target_of[o.person_id] == o.bed_id}
    ended = [o for o in current if o.person_id not in staying]
    for occupancy in ended:
        _end(occupancy, now, actor)
    db.session.flush()  # the old periods close before the new ones open
    started = [
        Occupancy(
            person_id=person.id,
            bed_id=target_of[person.id],
            period=Range(now, None, bounds="[)"),
            created_by_id=actor.id,
        )
        for person in movers
        if person.id not in staying
    ]
    db.session.add_all(started)
    db.session.flush()
    audit(actor, [p for p in movers if p.id not in staying], AuditAction.MOVE)
    _publish([shelter for _bed, shelter in targets] + list(current_shelters.values()))
    return MoveResult(started, ended)


# --- placement search ----------------------------------------------------------------------


@dataclass
class GroupMember:
    gender: str
    age: int | None = None


@dataclass
class Placement:
    room: ShelterRoom
    shelter: Shelter
    free_beds: int
    bed_ids: list[int]
    distance_m: float | None = None

    @property
    def leftover(self) -> int:
        return self.free_beds - len(self.bed_ids)


def allowed_policies(group: Sequence[GroupMember]) -> set[str]:
    """ShelterRoom policies that may take this group together: families (more than one person)
    in family rooms; a single woman in female or mixed rooms, a single man in male or
    mixed rooms, anyone else alone in mixed rooms."""
    if len(group) > 1:
        return {RoomPolicy.FAMILY.value}
    (person,) = group
    if person.gender == Gender.FEMALE:
        return {RoomPolicy.FEMALE.value, RoomPolicy.MIXED.value}
    if person.gender == Gender.MALE:
        return {RoomPolicy.MALE.value, RoomPolicy.MIXED.value}
    return {RoomPolicy.MIXED.value}


def _age(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    years = today.year - birth_date.year
    return years - ((today.month, today.day) < (birth_date.month, birth_date.day))


def household_group(actor: User, household_id: int) -> list[GroupMember]:
    """The members of a household as a group to place (genders and ages only)."""
    get_household(actor, household_id)
    today = date.today()
    rows = db.session.execute(
        select(Person.gender, Person.birth_date)
        .where(Person.household_id == household_id, _visible_clause(actor))
        .order_by(Person.id)
    )
    group = [GroupMember(gender, _age(birth_date, today)) for gender, birth_date in rows]
    if not group:
        raise InvalidInput({"household_id": "This household has no members."})
    return group


def search_placements(
    actor: User,
    group: Sequence[GroupMember],
    accessible: bool = False,
    near: tuple[float, float] | None = None,
    organization_id: int | None = None,
    limit: int = 20,
) -> list[Placement]:
    """Rooms within the actor's reach that can take the whole group together, honouring
    room policy (see allowed_policies) and accessibility; best fit first (fewest free beds
    left over), then nearest to ``near`` (lat, lon), then by room id. Each answer names
    free beds to move the group into."""
    if not group:
        raise InvalidInput({"persons": "Give at least one person."})
    reach = capacity_scope(actor, CASE_ROLES)
    if not reach:
        raise Forbidden("Only caseworkers and admins place persons.")
    if organization_id is not None:
        reach &= authz.descendants_and_self([organization_id])
    size = len(group)
    free_bed = and_(Bed.status == BedStatus.AVAILABLE.value, Occupancy.id.is_(None))
    free_count = func.count(Bed.id).filter(free_bed)
    free_ids = func.array_agg(aggregate_order_by_id(Bed.id)).filter(free_bed)
    distance = (
        func.ST_Distance(Shelter.location, _geography_point(*near), False).cast(Float)
        if near is not None
        else literal_column("NULL")
    )
    stmt = (
        select(ShelterRoom, Shelter, free_count.label("free"), free_ids, distance.label("distance"))
        .join(Shelter, Shelter.id == ShelterRoom.shelter_id)
        .join(Bed, Bed.room_id == ShelterRoom.id)
        .outerjoin(Occupancy, and_(Occupancy.bed_id == Bed.id, func.upper_inf(Occupancy.period)))
        .where(
            Shelter.organization_id.in_(sorted(reach)),
            ShelterRoom.policy.in_(sorted(allowed_policies(group))),
        )
        .group_by(ShelterRoom.id, Shelter.id)
        .having(free_count >= size)
        .order_by(
            free_count - size, distance if near is not None else ShelterRoom.id, ShelterRoom.id
        )
        .limit(limit)
    )
    if accessible:
        stmt = stmt.where(ShelterRoom.accessible.is_(True))
    return [
        Placement(room, shelter, free, list(ids)[:size], dist)
        for room, shelter, free, ids, dist in db.session.execute(stmt)
    ]


def aggregate_order_by_id(column):
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    return aggregate_order_by(column, column)


def _geography_point(lat: float, lon: float):
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


# --- activities ----------------------------------------------------------------------------


def list_activities(actor: User, person_id: int, reason: str | None = None) -> list[Activity]:
    """A person's activities, by due date; audited as a read of the person (a restricted
    one with a stated reason)."""
    person = _person_in_reach(actor, person_id)
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
    person = _person_in_reach(actor, person_id, lock=True)
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
    person = _person_in_reach(actor, found.person_id, lock=True)
    db.session.refresh(found, with_for_update=True)
    for name in ("kind", "title", "due_date", "status"):
        if name in changes:
            setattr(found, name, changes[name].strip() if name == "title" else changes[name])
    db.session.flush()
    audit(actor, [person], AuditAction.ACTIVITY_UPDATE)
    return found


# --- retention and snapshots ---------------------------------------------------------------


def purge_registry(now: datetime | None = None) -> int:
    """Anonymise persons whose last occupancy ended more than REGISTRY_RETENTION_DAYS ago
    (and who are not housed): names, dates, origin, special categories and activities go;
    gender, organisation and the occupancy periods stay for the statistics. Returns how
    many were anonymised. Rows locked by a running call are left for the next run."""
    now = now or _database_now()
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
        person.external_id = None
        person.family_name = ""
        person.given_names = ""
        person.birth_date = None
        person.nationality = None
        person.languages = []
        person.religion = None
        person.health_notes = None
        person.profession = None
        person.household_id = None
        person.arrival_date = None
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


def snapshot_capacity(day: date | None = None) -> int:
    """Record every shelter's counts for ``day`` (default: today), replacing that day's
    earlier snapshot; returns the number of shelters."""
    day = day or date.today()
    free = (
        CapacityCount.free_male
        + CapacityCount.free_female
        + CapacityCount.free_family
        + CapacityCount.free_mixed
    )
    source = select(
        CapacityCount.organization_id,
        CapacityCount.shelter_id,
        literal_column(f"DATE '{day.isoformat()}'"),
        CapacityCount.total,
        CapacityCount.blocked,
        CapacityCount.occupied,
        free,
    )
    stmt = pg_insert(CapacitySnapshot).from_select(
        ["organization_id", "shelter_id", "day", "total", "blocked", "occupied", "free"], source
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_capacity_snapshots_day",
        set_={
            name: getattr(stmt.excluded, name)
            for name in ("organization_id", "total", "blocked", "occupied", "free")
        },
    )
    return len(db.session.execute(stmt.returning(CapacitySnapshot.id)).all())


@dataclass
class TrendPoint:
    day: date
    total: int
    occupied: int
    free: int


def capacity_trend(viewer: User, organization_id: int, days: int = 30) -> list[TrendPoint]:
    """Daily totals of an organisation and those below it, from the snapshots."""
    organization_capacity(viewer, organization_id)  # the same rule: who may see counts
    reach = sorted(authz.descendants_and_self([organization_id]))
    since = date.today() - timedelta(days=days)
    rows = db.session.execute(
        select(
            CapacitySnapshot.day,
            func.sum(CapacitySnapshot.total),
            func.sum(CapacitySnapshot.occupied),
            func.sum(CapacitySnapshot.free),
        )
        .where(CapacitySnapshot.organization_id.in_(reach), CapacitySnapshot.day >= since)
        .group_by(CapacitySnapshot.day)
        .order_by(CapacitySnapshot.day)
    )
    return [TrendPoint(day, int(t), int(o), int(f)) for day, t, o, f in rows]
