"""REST API of the gazetteer: parse → search → dump (reads only)."""

from __future__ import annotations

from exchange.openapi import api_blueprint, endpoint
from exchange.places import search
from exchange.places.schemas import (
    PlaceLabelArgs,
    PlaceLabelsSchema,
    PlaceListSchema,
    PlaceSearchArgs,
)

blp = api_blueprint(
    "places", __name__, "Places: German postcodes and towns (offline; data © GeoNames, CC BY 4.0)"
)


@endpoint(blp, "get", "/places", 200, PlaceListSchema, query=PlaceSearchArgs)
def search_places(args: dict):
    """Towns by name ("Osnabrück", typos and missing umlauts forgiven) or postcodes by their
    digits ("49074", "490"), best first."""
    return {"items": search.search_places(args["q"], args["limit"])}


@endpoint(blp, "get", "/places/labels", 200, PlaceLabelsSchema, query=PlaceLabelArgs)
def place_labels(args: dict):
    """Names for a map without tiles: the largest towns in a map area, largest first (from
    zoom 12 on its postcodes after them), and the postcode nearest to the area's centre."""
    west, south, east, north = args["bbox"]
    return {
        "items": search.labels_in_view(args["bbox"], args["limit"], args.get("zoom")),
        "nearest": search.nearest_postcode((south + north) / 2, (west + east) / 2),
    }
