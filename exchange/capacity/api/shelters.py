"""REST API of shelters, rooms, beds and capacity figures."""

from __future__ import annotations

from exchange.capacity import access, counts, shelters
from exchange.capacity.schemas.shelters import (
    BedStateSchema,
    BlockArgs,
    CapacitySchema,
    OrganizationCapacitySchema,
    ShelterCreateArgs,
    ShelterListArgs,
    ShelterPageSchema,
    ShelterRoomCreateArgs,
    ShelterRoomSchema,
    ShelterRoomUpdateArgs,
    ShelterSchema,
    ShelterUpdateArgs,
    TrendArgs,
    TrendPointSchema,
)
from exchange.openapi import api_blueprint, endpoint
from exchange.pagination import Page

from . import current_actor

blp = api_blueprint(
    "capacity", __name__, "Capacity: shelters, rooms and beds, their counts and published free beds"
)


def _shelter_view(shelter) -> shelters.ShelterView:
    return shelters.shelter_views([shelter])[0]


@endpoint(blp, "post", "/shelters", 201, ShelterSchema, body=ShelterCreateArgs,
          errors={403: "Not a caseworker or admin of the organisation"})
def create_shelter(args: dict):
    """A new shelter; with `publish_capacity` its free beds go on the map."""
    organization_id = args.pop("organization_id")
    return _shelter_view(shelters.create_shelter(current_actor(), args, organization_id))


@endpoint(blp, "get", "/shelters", 200, ShelterPageSchema, query=ShelterListArgs)
def list_shelters(args: dict):
    """Shelters within my reach (staff), with their capacity."""
    page = shelters.list_shelters(
        current_actor(), args.get("organization_id"), args["limit"], args["cursor"]
    )
    return Page(shelters.shelter_views(page.items), page.next_cursor)


@endpoint(blp, "get", "/shelters/<int:shelter_id>", 200, ShelterSchema)
def get_shelter(shelter_id: int):
    """One shelter with its capacity."""
    return _shelter_view(access.get_shelter_for(current_actor(), shelter_id))


@endpoint(blp, "patch", "/shelters/<int:shelter_id>", 200, ShelterSchema, body=ShelterUpdateArgs)
def update_shelter(args: dict, shelter_id: int):
    """Change a shelter or its publication (`publish_capacity`, `reserve_beds`)."""
    return _shelter_view(shelters.update_shelter(current_actor(), shelter_id, args))


@endpoint(blp, "get", "/shelters/<int:shelter_id>/capacity", 200, CapacitySchema)
def shelter_capacity(shelter_id: int):
    """A shelter's beds: total, occupied, blocked, free (also by room policy, accessible)."""
    return counts.shelter_capacity(current_actor(), shelter_id)


@endpoint(blp, "post", "/shelters/<int:shelter_id>/rooms", 201, ShelterRoomSchema,
          body=ShelterRoomCreateArgs)
def add_room(args: dict, shelter_id: int):
    """A room with that many new beds."""
    user = current_actor()
    return shelters.room_view(user, shelters.add_room(user, shelter_id, **args))


@endpoint(blp, "get", "/shelters/<int:shelter_id>/rooms", 200, ShelterRoomSchema(many=True))
def list_rooms(shelter_id: int):
    """The room plan: rooms and beds, which are occupied (occupants' ids for caseworkers
    and admins only)."""
    return shelters.shelter_rooms(current_actor(), shelter_id)


@endpoint(blp, "patch", "/shelters/<int:shelter_id>/rooms/<int:room_id>", 200, ShelterRoomSchema,
          body=ShelterRoomUpdateArgs)
def update_room(args: dict, shelter_id: int, room_id: int):
    """Rename a room, change its policy or accessibility."""
    user = current_actor()
    return shelters.room_view(user, shelters.update_room(user, shelter_id, room_id, args))


@endpoint(blp, "post", "/beds/<int:bed_id>/block", 200, BedStateSchema, body=BlockArgs,
          errors={409: "The bed is occupied"})
def block_bed(args: dict, bed_id: int):
    """Block a bed (or take it out of service) with a reason."""
    return shelters.set_bed_status(current_actor(), bed_id, args["status"], args["reason"])


@endpoint(blp, "post", "/beds/<int:bed_id>/unblock", 200, BedStateSchema)
def unblock_bed(bed_id: int):
    """Make a blocked bed available again."""
    return shelters.set_bed_status(current_actor(), bed_id, "available")


# --- organisations -------------------------------------------------------------------------


@endpoint(blp, "get", "/organizations/<int:organization_id>/capacity", 200,
          OrganizationCapacitySchema)
def organization_capacity(organization_id: int):
    """Totals over the shelters of the organisation and the ones below it."""
    return counts.organization_capacity(current_actor(), organization_id)


@endpoint(blp, "get", "/organizations/<int:organization_id>/capacity/trend", 200,
          TrendPointSchema(many=True), query=TrendArgs)
def capacity_trend(args: dict, organization_id: int):
    """Daily totals from the snapshots (`exchange snapshot-capacity`), oldest first."""
    return counts.capacity_trend(current_actor(), organization_id, args["days"])
