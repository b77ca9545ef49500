"""Allocations announced by the state and planned move-outs: what the forecast
(exchange.capacity.forecast) takes from the future. Caseworkers and admins of the
organisation (or above it) record and remove them; ids outside their reach answer 404.

Every change is followed, in the same transaction, by the threshold check of the
organisation and those above it (forecast.check_thresholds), so a warning goes out with
the change that caused it.

For the placement package (above capacity): ``plan_move_out(source, …)`` records or moves
the move-out of an accepted proposal ("proposal:17"), ``cancel_move_out(source)`` drops
it; both take no actor (placement checks its own rights) and are idempotent.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import InstrumentedAttribute

from exchange.errors import InvalidInput, NotFound
from exchange.extensions import db
from exchange.i18n import N_
from exchange.pagination import Page, page_by_id
from exchange.profiles.models import User

from .access import CASE_ROLES, capacity_scope, get_shelter_for, require_in_scope
from .forecast import check_thresholds
from .models import Allocation, PlannedMoveOut, Shelter

#: How far ahead an allocation or move-out may be dated (the forecast looks 12 weeks on).
HORIZON_DAYS = 730
NOT_PAST = N_("The date must be today or later.")
TOO_FAR = N_("The date must be within two years.")
SHAPES_SUM = N_("The household sizes must add up to the number of persons.")


def _check_date(name: str, value: date) -> None:
    today = date.today()
    if value < today:
        raise InvalidInput({name: NOT_PAST})
    if value > today + timedelta(days=HORIZON_DAYS):
        raise InvalidInput({name: TOO_FAR})


def _check_households(persons: int, households: list[int]) -> None:
    if households and sum(households) != persons:
        raise InvalidInput({"households": SHAPES_SUM})


# --- allocations ---------------------------------------------------------------------------


def get_allocation_for(actor: User, allocation_id: int, lock: bool = False) -> Allocation:
    """An allocation of the actor's reach (caseworkers and admins), else 404."""
    allocation = db.session.get(Allocation, allocation_id, with_for_update=lock or None)
    if allocation is None or allocation.organization_id not in capacity_scope(actor, CASE_ROLES):
        raise NotFound()
    return allocation


def list_allocations(actor: User, organization_id: int, upcoming: bool = True,
                     limit: int = 50, cursor: str | None = None) -> Page:
    """The organisation's allocations (``upcoming``: from today on), by id."""
    require_in_scope(actor, organization_id, CASE_ROLES)
    stmt = select(Allocation).where(Allocation.organization_id == organization_id)
    if upcoming:
        stmt = stmt.where(Allocation.arrives_on >= date.today())
    return page_by_id(stmt, Allocation.id, limit, cursor)


def upcoming_allocations(organization_id: int) -> list[Allocation]:
    """The organisation's allocations from today on, soonest first (for the dashboard)."""
    return _upcoming(Allocation, Allocation.arrives_on, organization_id)


def create_allocation(actor: User, organization_id: int, values: dict) -> Allocation:
    """Record an allocation announced by the state (``arrives_on``, ``persons``, optional
    ``households``, ``shelter_kind``, ``note``)."""
    require_in_scope(actor, organization_id, CASE_ROLES)
    households = list(values.get("households") or [])
    _check_date("arrives_on", values["arrives_on"])
    _check_households(values["persons"], households)
    allocation = Allocation(
        organization_id=organization_id, arrives_on=values["arrives_on"],
        persons=values["persons"], households=households,
        shelter_kind=values.get("shelter_kind"), note=(values.get("note") or "").strip(),
        created_by_id=actor.id,
    )
    _write(allocation)
    return allocation


def update_allocation(actor: User, allocation_id: int, changes: dict) -> Allocation:
    """Change an allocation (a new date, another number of persons …)."""
    allocation = get_allocation_for(actor, allocation_id, lock=True)
    if "arrives_on" in changes:
        _check_date("arrives_on", changes["arrives_on"])
    for name in ("arrives_on", "persons", "households", "shelter_kind", "note"):
        if name in changes:
            value = changes[name]
            if name == "note":
                value = (value or "").strip()
            if name == "households":
                value = list(value or [])
            setattr(allocation, name, value)
    _check_households(allocation.persons, allocation.households)
    _write(allocation)
    return allocation


def delete_allocation(actor: User, allocation_id: int) -> None:
    """Remove an allocation (called off, or arrived and checked in)."""
    _write(get_allocation_for(actor, allocation_id, lock=True), remove=True)


# --- planned move-outs ---------------------------------------------------------------------


def get_move_out_for(actor: User, move_out_id: int, lock: bool = False) -> PlannedMoveOut:
    """A planned move-out of the actor's reach (caseworkers and admins), else 404."""
    move_out = db.session.get(PlannedMoveOut, move_out_id, with_for_update=lock or None)
    if move_out is None or move_out.organization_id not in capacity_scope(actor, CASE_ROLES):
        raise NotFound()
    return move_out


def list_move_outs(actor: User, organization_id: int, limit: int = 50,
                   cursor: str | None = None) -> Page:
    """The organisation's planned move-outs from today on, by id."""
    require_in_scope(actor, organization_id, CASE_ROLES)
    stmt = select(PlannedMoveOut).where(PlannedMoveOut.organization_id == organization_id,
                                        PlannedMoveOut.moves_on >= date.today())
    return page_by_id(stmt, PlannedMoveOut.id, limit, cursor)


def upcoming_move_outs(organization_id: int) -> list[PlannedMoveOut]:
    """The organisation's move-outs from today on, soonest first (for the dashboard)."""
    return _upcoming(PlannedMoveOut, PlannedMoveOut.moves_on, organization_id)


def create_move_out(actor: User, values: dict) -> PlannedMoveOut:
    """Record by hand that ``persons`` leave ``shelter_id`` on ``moves_on``."""
    shelter = get_shelter_for(actor, values["shelter_id"], CASE_ROLES)
    _check_date("moves_on", values["moves_on"])
    move_out = PlannedMoveOut(
        organization_id=shelter.organization_id, shelter_id=shelter.id,
        moves_on=values["moves_on"], persons=values["persons"],
        note=(values.get("note") or "").strip(), created_by_id=actor.id,
    )
    _write(move_out)
    return move_out


def delete_move_out(actor: User, move_out_id: int) -> None:
    """Remove a planned move-out (it fell through, or it happened)."""
    _write(get_move_out_for(actor, move_out_id, lock=True), remove=True)


def plan_move_out(source: str, shelter_id: int, moves_on: date, persons: int,
                  note: str = "") -> PlannedMoveOut:
    """Record or move the move-out planned by ``source`` (one row per source): for the
    placement package when a proposal with a moving date is accepted."""
    # The organisation of the move-out this replaces, whose forecast changes too.
    earlier = db.session.scalar(
        select(PlannedMoveOut.organization_id).where(PlannedMoveOut.source == source))
    from_shelter = get_shelter_organization(shelter_id)
    values = {"organization_id": from_shelter, "shelter_id": shelter_id,
              "moves_on": moves_on, "persons": persons, "note": note}
    stmt = pg_insert(PlannedMoveOut).values(source=source, **values)
    stmt = stmt.on_conflict_do_update(constraint="uq_planned_move_outs_source", set_=values)
    move_out_id = db.session.execute(stmt.returning(PlannedMoveOut.id)).scalar_one()
    for organization_id in sorted({from_shelter, earlier} - {None}):
        check_thresholds(organization_id)
    return db.session.get(PlannedMoveOut, move_out_id, populate_existing=True)


def cancel_move_out(source: str) -> None:
    """Drop the move-out planned by ``source`` (the proposal fell through); none: nothing."""
    organization_id = db.session.scalar(
        delete(PlannedMoveOut).where(PlannedMoveOut.source == source)
        .returning(PlannedMoveOut.organization_id))
    if organization_id is not None:
        check_thresholds(organization_id)


def get_shelter_organization(shelter_id: int) -> int:
    """The organisation of a shelter (404 when there is none such)."""
    organization_id = db.session.scalar(
        select(Shelter.organization_id).where(Shelter.id == shelter_id))
    if organization_id is None:
        raise NotFound()
    return organization_id


def _upcoming(model: type[Allocation] | type[PlannedMoveOut], day: InstrumentedAttribute,
              organization_id: int) -> list:
    """The organisation's rows of ``model`` whose ``day`` is today or later, soonest first."""
    return list(db.session.scalars(
        select(model)
        .where(model.organization_id == organization_id, day >= date.today())
        .order_by(day, model.id)
    ))


def _write(row: Allocation | PlannedMoveOut, remove: bool = False) -> None:
    """Add (or ``remove``) an allocation or move-out and flush, then check the warning
    threshold of its organisation: both change its forecast."""
    organization_id = row.organization_id
    if remove:
        db.session.delete(row)
    else:
        db.session.add(row)
    db.session.flush()
    check_thresholds(organization_id)
