"""REST API of the free-bed forecast, announced allocations and planned move-outs
(exchange.capacity.forecast, exchange.capacity.allocations): caseworkers and admins of
the organisation; the threshold its admins."""

from __future__ import annotations

from exchange.capacity import allocations, forecast
from exchange.capacity.schemas.forecast import (
    AllocationCreateArgs,
    AllocationListArgs,
    AllocationPageSchema,
    AllocationSchema,
    AllocationUpdateArgs,
    ForecastSchema,
    MoveOutCreateArgs,
    MoveOutListArgs,
    MoveOutPageSchema,
    MoveOutSchema,
    ThresholdArgs,
)
from exchange.openapi import api_blueprint, endpoint

from . import current_actor

blp = api_blueprint("capacity_forecast", __name__,
                    "Forecast: free beds for the next 12 weeks from allocations announced by "
                    "the state, planned move-outs and shelters opening")

ORG = "/capacity/organizations/<int:organization_id>"


@endpoint(blp, "get", ORG + "/forecast", 200, ForecastSchema)
def get_forecast(organization_id: int):
    """Free beds at the end of each of the next 12 calendar weeks, in total and per
    shelter kind, and the week they run out."""
    return forecast.forecast_for(current_actor(), organization_id)


@endpoint(blp, "put", ORG + "/forecast/threshold", 200, ForecastSchema, body=ThresholdArgs,
          errors={403: "Not an admin of the organisation"})
def set_threshold(args: dict, organization_id: int):
    """Warn the organisation's admins when the forecast falls below this many free beds
    (once per crossing)."""
    return forecast.set_threshold(current_actor(), organization_id, args["threshold"])


@endpoint(blp, "get", ORG + "/allocations", 200, AllocationPageSchema, query=AllocationListArgs)
def list_allocations(args: dict, organization_id: int):
    """Allocations announced to the organisation."""
    return allocations.list_allocations(current_actor(), organization_id, args["upcoming"],
                                        args["limit"], args["cursor"])


@endpoint(blp, "post", ORG + "/allocations", 201, AllocationSchema, body=AllocationCreateArgs)
def create_allocation(args: dict, organization_id: int):
    """Record an allocation announced by the state (Zuweisung)."""
    return allocations.create_allocation(current_actor(), organization_id, args)


@endpoint(blp, "get", "/capacity/allocations/<int:allocation_id>", 200, AllocationSchema)
def get_allocation(allocation_id: int):
    """One allocation."""
    return allocations.get_allocation_for(current_actor(), allocation_id)


@endpoint(blp, "patch", "/capacity/allocations/<int:allocation_id>", 200, AllocationSchema,
          body=AllocationUpdateArgs)
def update_allocation(args: dict, allocation_id: int):
    """Change an allocation."""
    return allocations.update_allocation(current_actor(), allocation_id, args)


@endpoint(blp, "delete", "/capacity/allocations/<int:allocation_id>", 204)
def delete_allocation(allocation_id: int):
    """Remove an allocation (called off, or arrived)."""
    allocations.delete_allocation(current_actor(), allocation_id)


@endpoint(blp, "get", ORG + "/move-outs", 200, MoveOutPageSchema, query=MoveOutListArgs)
def list_move_outs(args: dict, organization_id: int):
    """Planned move-outs from the organisation's shelters, from today on."""
    return allocations.list_move_outs(current_actor(), organization_id, args["limit"],
                                      args["cursor"])


@endpoint(blp, "post", "/capacity/move-outs", 201, MoveOutSchema, body=MoveOutCreateArgs)
def create_move_out(args: dict):
    """Record that persons will leave a shelter on a date."""
    return allocations.create_move_out(current_actor(), args)


@endpoint(blp, "delete", "/capacity/move-outs/<int:move_out_id>", 204)
def delete_move_out(move_out_id: int):
    """Remove a planned move-out."""
    allocations.delete_move_out(current_actor(), move_out_id)
