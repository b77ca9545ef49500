"""What the capacity domain tells others in real time: a shelter's counts, after commit,
to the staff of its organisation and those above it (socket room ``capacity:<id>``), and
to the map's audience when its free beds are published. exchange.realtime carries it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from exchange import realtime, signals
from exchange.listings.events import LISTINGS_OFFICIALS_ROOM, LISTINGS_STAFF_ROOM
from exchange.profiles import authz
from exchange.profiles.models import User


def capacity_room(organization_id: int) -> str:
    """Staff of an organisation hear the capacity of its shelters and those below it."""
    return f"capacity:{organization_id}"


def capacity_rooms(user: User) -> list[str]:
    """The capacity rooms a user's sockets join on connect: one per organisation they are
    staff of."""
    return sorted(
        {
            capacity_room(m.organization_id)
            for m in authz.active_memberships(user)
            if m.role in authz.STAFF_ROLES
        }
    )


def _on_capacity_changed(
    shelter, payload: dict, organization_ids: Iterable[int], published: bool, **_: Any
) -> None:
    # One emit to all the rooms, so that someone in several hears it once; a shelter on
    # the map is also announced to the map's audience (its counts are public there).
    rooms_to = [capacity_room(organization_id) for organization_id in organization_ids]
    if published:
        rooms_to += [LISTINGS_OFFICIALS_ROOM, LISTINGS_STAFF_ROOM]
    realtime.emit_after_commit("capacity", payload, room=rooms_to)


def register() -> None:
    """Connect the capacity events (called by create_app; connecting twice is harmless)."""
    realtime.add_connect_rooms(capacity_rooms)
    signals.capacity_changed.connect(_on_capacity_changed)
