"""REST API of matching households and flats: parse → service → dump."""

from __future__ import annotations

from flask_login import current_user

from exchange.openapi import api_blueprint, endpoint
from exchange.placement import matching
from exchange.placement.schemas.matching import (
    FittingFlatListSchema,
    FittingFlatsArgs,
    FittingHouseholdsSchema,
    HouseholdNeedsArgs,
    HouseholdNeedsSchema,
)

blp = api_blueprint("placement_matching", __name__,
                    "Matching: flats that fit a household, households that fit a flat")


def _actor():
    return current_user._get_current_object()


@endpoint(blp, "get", "/households/<int:household_id>/needs", 200, HouseholdNeedsSchema,
          errors={404: "Not a household of your district"})
def get_household_needs(household_id: int):
    """A household's assigned municipality, step-free need and radius (its caseworkers)."""
    return matching.needs_of(_actor(), household_id)


@endpoint(blp, "put", "/households/<int:household_id>/needs", 200, HouseholdNeedsSchema,
          body=HouseholdNeedsArgs, errors={404: "Not a household of your district"})
def set_household_needs(args: dict, household_id: int):
    """Record what matching needs to know of a household (its caseworkers; audited)."""
    return matching.set_needs(_actor(), household_id, args)


@endpoint(blp, "get", "/households/<int:household_id>/fitting-flats", 200,
          FittingFlatListSchema, query=FittingFlatsArgs,
          errors={404: "Not a household of your district"})
def fitting_flats(args: dict, household_id: int):
    """The published flats that fit the household, best score first (its caseworkers): room
    for all, within the rent and size limits of the flat's municipality, step-free when
    needed, available by the day, within the household's radius."""
    items = matching.flats_for_household(_actor(), household_id, args.get("available_by"),
                                         args["limit"])
    return {"household_size": items[0].size if items else None, "items": items}


@endpoint(blp, "get", "/listings/<int:listing_id>/fitting-households", 200,
          FittingHouseholdsSchema, errors={404: "Not a flat you own or may see as official"})
def fitting_households(listing_id: int):
    """How many waiting households fit the flat, by size and step-free need (its owner
    side and officials): counts only, never names or other personal data."""
    return matching.households_for_flat(_actor(), listing_id)
