"""REST API of occupancy: check-in, check-out, moves, and the placement search."""

from __future__ import annotations

from exchange.capacity import occupancy, placement
from exchange.capacity.schemas.occupancy import (
    MoveArgs,
    MoveResultSchema,
    OccupancyArgs,
    OccupancySchema,
    PlacementArgs,
    PlacementResultSchema,
)
from exchange.openapi import api_blueprint, endpoint

from . import current_actor

blp = api_blueprint(
    "capacity_occupancy", __name__, "Occupancy: check-in, check-out, moves, placement search"
)


@endpoint(blp, "post", "/occupancies", 201, OccupancySchema, body=OccupancyArgs,
          errors={409: "The bed is taken or blocked, or the person is housed"})
def check_in(args: dict):
    """Check a person into a free bed."""
    return occupancy.check_in(current_actor(), args["person_id"], args["bed_id"])


@endpoint(blp, "post", "/occupancies/<int:occupancy_id>/end", 200, OccupancySchema,
          errors={409: "The occupancy has ended already"})
def check_out(occupancy_id: int):
    """Check a person out (the occupancy ends now)."""
    return occupancy.check_out(current_actor(), occupancy_id)


@endpoint(blp, "post", "/moves", 200, MoveResultSchema, body=MoveArgs,
          errors={409: "A bed is taken or blocked; nothing was changed"})
def move(args: dict):
    """Move a person or a whole household to other beds, in one step."""
    return occupancy.move(current_actor(), args["bed_ids"], args["person_id"],
                          args["household_id"])


@endpoint(blp, "post", "/placements/search", 200, PlacementResultSchema, body=PlacementArgs)
def search_placements(args: dict):
    """Rooms that can take a household (or persons described by gender and age)
    together, honouring room policy; best fit first, then nearest."""
    user = current_actor()
    if args["household_id"] is not None:
        group = placement.household_group(user, args["household_id"])
    else:
        group = [placement.GroupMember(p["gender"], p["age"]) for p in args["persons"]]
    near = (args["near"]["lat"], args["near"]["lon"]) if args["near"] else None
    placements = placement.search_placements(
        user, group, args["accessible"], near, args["organization_id"], args["limit"]
    )
    return {"items": placements}
