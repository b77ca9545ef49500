"""Shelters, their rooms and beds, and the room plan (caseworkers and admins write, staff
read counts). Every change republishes the shelter's free beds (publication.publish)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, insert, select

from exchange.errors import Conflict, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.listings.operations import set_place
from exchange.pagination import Page, page_by_id
from exchange.profiles.models import User

from .access import (
    CASE_ROLES,
    COUNT_ROLES,
    capacity_scope,
    get_beds_for,
    get_shelter_for,
    may_see_persons,
    organization_for_new,
    taken,
)
from .counts import Capacity, counts_for, lock_counts
from .forecast import check_thresholds
from .models import Bed, BedStatus, Occupancy, Shelter, ShelterRoom
from .occupancy import open_occupancy_of_bed
from .publication import publish

MAX_BEDS_PER_ROOM = 500
SHELTER_FIELDS = (
    "name", "kind", "address", "location", "publish_capacity", "reserve_beds", "opens_on",
)


@dataclass
class ShelterView:
    """A shelter with its capacity, as the API answers it (ShelterSchema)."""

    shelter: Shelter
    capacity: Capacity | None


def shelter_views(shelters: list[Shelter]) -> list[ShelterView]:
    """The shelters with their capacity, read in one query."""
    capacity = counts_for(shelters)
    return [ShelterView(shelter, capacity.get(shelter.id)) for shelter in shelters]


def _apply_shelter(shelter: Shelter, values: dict) -> None:
    for name, value in values.items():
        if not set_place(shelter, name, value) and name in SHELTER_FIELDS:
            setattr(shelter, name, value)


def create_shelter(actor: User, values: dict, organization_id: int | None = None) -> Shelter:
    """A new shelter of an organisation (its caseworkers and admins); published at once
    when ``publish_capacity`` is set (with no beds yet: 0 free)."""
    organization_id = organization_for_new(actor, organization_id)
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
    publish([shelter.id], place=True)
    return shelter


def update_shelter(actor: User, shelter_id: int, changes: dict) -> Shelter:
    """Change a shelter's data or publication settings; the listing follows (withdrawn
    when publish_capacity is turned off)."""
    shelter = get_shelter_for(actor, shelter_id, CASE_ROLES, lock=True)
    lock_counts([shelter.id])
    _apply_shelter(shelter, changes)
    db.session.flush()
    publish([shelter.id], place=True)
    if "opens_on" in changes:  # the forecast's beds from announced shelters moved
        check_thresholds(shelter.organization_id)
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


# --- rooms and beds ------------------------------------------------------------------------


def add_room(
    actor: User, shelter_id: int, name: str, policy: str, accessible: bool = False, beds: int = 0
) -> ShelterRoom:
    """A room with ``beds`` new available beds labelled 1..N."""
    if not 0 <= beds <= MAX_BEDS_PER_ROOM:
        raise InvalidInput({"beds": Text("Between 0 and %(max)d.", max=MAX_BEDS_PER_ROOM)})
    shelter = get_shelter_for(actor, shelter_id, CASE_ROLES, lock=True)
    lock_counts([shelter.id])
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
    publish([shelter.id])
    return room


def _check_room_name(shelter_id: int, name: str, room_id: int | None = None) -> None:
    if taken(ShelterRoom.id, room_id, ShelterRoom.shelter_id == shelter_id,
             ShelterRoom.name == name):
        raise Conflict("This shelter has a room of this name already.", field="name")


def update_room(actor: User, shelter_id: int, room_id: int, changes: dict) -> ShelterRoom:
    """Rename a room or change its policy or accessibility (its beds' counts move)."""
    shelter = get_shelter_for(actor, shelter_id, CASE_ROLES, lock=True)
    room = db.session.get(ShelterRoom, room_id)
    if room is None or room.shelter_id != shelter.id:
        raise NotFound()
    lock_counts([room.shelter_id])
    db.session.refresh(room, with_for_update=True)
    if "name" in changes:
        changes = {**changes, "name": changes["name"].strip()}
        _check_room_name(room.shelter_id, changes["name"], room.id)
    for name in ("name", "policy", "accessible"):
        if name in changes:
            setattr(room, name, changes[name])
    db.session.flush()
    publish([room.shelter_id])
    return room


@dataclass
class BedView:
    """A bed in the room plan; its occupant's ids only ``with_persons`` (ShelterBedSchema)."""

    bed: Bed
    occupancy_id: int | None = None
    person_id: int | None = None
    with_persons: bool = False

    @property
    def occupied(self) -> bool:
        return self.occupancy_id is not None


@dataclass
class RoomView:
    """A room of the plan with its beds (ShelterRoomSchema)."""

    room: ShelterRoom
    beds: list[BedView]

    @property
    def free_beds(self) -> int:
        return sum(1 for b in self.beds if b.bed.status == BedStatus.AVAILABLE and not b.occupied)


def shelter_rooms(viewer: User, shelter_id: int) -> list[RoomView]:
    """The room plan: rooms, beds, which are occupied; occupants' ids only for those who
    may see persons (caseworkers and admins)."""
    shelter = get_shelter_for(viewer, shelter_id)
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
        beds[bed.room_id].append(
            BedView(bed, occupancy_id, person_id if with_persons else None, with_persons)
        )
    return [RoomView(room, beds[room.id]) for room in rooms]


def room_view(actor: User, room: ShelterRoom) -> RoomView:
    """One room of the plan, as shelter_rooms gives it."""
    (view,) = [v for v in shelter_rooms(actor, room.shelter_id) if v.room.id == room.id]
    return view


def set_bed_status(actor: User, bed_id: int, status: str, reason: str | None = None) -> Bed:
    """Block a bed (or take it out of service) with a reason, or make it available again.
    An occupied bed is not blocked (409): move its occupant first."""
    ((bed, shelter_id),) = get_beds_for(actor, [bed_id], lock=True)
    lock_counts([shelter_id])
    if status != BedStatus.AVAILABLE and open_occupancy_of_bed(bed.id) is not None:
        message = "This bed is occupied; move or check out its occupant first."
        raise Conflict(message, field="status")
    bed.status = status
    bed.block_reason = None
    if status != BedStatus.AVAILABLE:
        bed.block_reason = (reason or "").strip() or None
    db.session.flush()
    publish([shelter_id])
    return bed
