"""REST API of the gazetteer: parse → search → dump (reads only)."""

from __future__ import annotations

from flask_login import login_required
from flask_smorest import Blueprint

from exchange.places import search
from exchange.places.schemas import (
    PlaceLabelArgs,
    PlaceLabelsSchema,
    PlaceListSchema,
    PlaceSearchArgs,
)

blp = Blueprint(
    "places", __name__, url_prefix="/api/v1",
    description="Places: German postcodes and towns (offline; data © GeoNames, CC BY 4.0)",
)


@blp.get("/places")
@blp.arguments(PlaceSearchArgs, location="query")
@blp.response(200, PlaceListSchema)
@login_required
def search_places(args: dict):
    """Towns by name ("Osnabrück", typos and missing umlauts forgiven) or postcodes by their
    digits ("49074", "490"), best first."""
    return {"items": search.search_places(args["q"], args["limit"])}


@blp.get("/places/labels")
@blp.arguments(PlaceLabelArgs, location="query")
@blp.response(200, PlaceLabelsSchema)
@login_required
def place_labels(args: dict):
    """Names for a map without tiles: the largest towns in a map area, largest first (from
    zoom 12 on its postcodes after them), and the postcode nearest to the area's centre."""
    west, south, east, north = args["bbox"]
    return {
        "items": search.labels_in_view(args["bbox"], args["limit"], args.get("zoom")),
        "nearest": search.nearest_postcode((south + north) / 2, (west + east) / 2),
    }
