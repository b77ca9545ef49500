"""The shapes the listings benchmark measures (issue 16): every search a housing officer
can make on the map, named and turned into request paths.

- searches: a 25 × 25 km box and `near` + `radius_km` 10, 25 and 50 around a metropolis
  (Berlin), a mid-size city (Osnabrück) and a rural district (Vulkaneifel, around Daun),
  each sorted by distance and by newest, each with no filter, each single filter and one
  combination of three;
- clusters at country, state (Lower Saxony) and district zoom with the same filters;
- OGC API – Features items, `limit=1000`: the first page, a deep offset, and the page
  a client reaches by following `next` links to the same depth (keyset);
- the GeoJSON download of a whole district (OGC items in its box, `limit=10000`).

``quick`` keeps a tenth of them (the big and the rural place, radius 50, no filter and
the combination), so that the matrix runs in a minute or two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from benchmarks.common import TODAY

#: lat, lon of each place and what kind of place it is.
PLACES = {
    "Berlin": (52.5200, 13.4050),  # metropolis
    "Osnabrück": (52.2799, 8.0472),  # mid-size city
    "Vulkaneifel": (50.1983, 6.8300),  # rural district (Daun)
}
BOX_KM = 25
RADII_KM = (10, 25, 50)
SORTS = ("distance", "newest")
FILTERS = {
    "none": "",
    "kind": "kind=flat",
    "min_beds": "min_beds=4",
    "max_rent": "max_rent=700",
    "available_by": f"available_by={(TODAY + timedelta(days=30)).isoformat()}",
    "accessible": "accessible=true",
    "combo3": "kind=flat&accessible=true&max_rent=900",
}
GERMANY_BBOX = (5.5, 47.0, 15.5, 55.2)
LOWER_SAXONY_BBOX = (6.6, 51.3, 11.6, 53.9)
#: zoom of each cluster view: all Germany, a state, a district around each place.
CLUSTER_VIEWS = {"country": (GERMANY_BBOX, 6), "state": (LOWER_SAXONY_BBOX, 8)}
DISTRICT_KM = 50
DISTRICT_ZOOM = 10
OGC_LIMIT = 1000
DOWNLOAD_LIMIT = 10_000
SEARCH_PAGE = 50


@dataclass(frozen=True)
class Shape:
    """One request the benchmark times: its name, path, the listings service whose SQL is
    "the same SQL", and its family (for the targets)."""

    name: str
    path: str
    service: str  # search_listings | listing_clusters | ogc_page
    family: str  # search | clusters | ogc | download


def box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """minLon,minLat,maxLon,maxLat of a km × km square centred on the point."""
    half_lat = km / 2 / 111.2
    half_lon = km / 2 / (111.2 * math.cos(math.radians(lat)))
    return (round(lon - half_lon, 5), round(lat - half_lat, 5), round(lon + half_lon, 5),
            round(lat + half_lat, 5))


def bbox_text(bbox: tuple[float, float, float, float]) -> str:
    return ",".join(f"{n:g}" for n in bbox)


def _query(*parts: str) -> str:
    return "&".join(part for part in parts if part)


def search_shapes(quick: bool = False) -> list[Shape]:
    places = ("Berlin", "Vulkaneifel") if quick else tuple(PLACES)
    radii = (50,) if quick else RADII_KM
    filters = ("none", "combo3") if quick else tuple(FILTERS)
    shapes = []
    for place in places:
        lat, lon = PLACES[place]
        areas = [(f"box{BOX_KM}", f"bbox={bbox_text(box(lat, lon, BOX_KM))}")]
        areas += [(f"r{radius}", f"radius_km={radius}") for radius in radii]
        for area, area_query in areas:
            for sort in SORTS:
                near = f"near={lat},{lon}" if sort == "distance" or area != areas[0][0] else ""
                for name in filters:
                    query = _query(area_query, near, f"sort={sort}", FILTERS[name],
                                   f"limit={SEARCH_PAGE}")
                    shapes.append(Shape(f"search {place} {area} {sort} {name}",
                                        f"/api/v1/listings?{query}", "search_listings",
                                        "search"))
    return shapes


def cluster_shapes(quick: bool = False) -> list[Shape]:
    views = dict(CLUSTER_VIEWS)
    for place in ("Osnabrück",) if quick else tuple(PLACES):
        lat, lon = PLACES[place]
        views[f"district {place}"] = (box(lat, lon, DISTRICT_KM), DISTRICT_ZOOM)
    filters = ("none", "combo3") if quick else tuple(FILTERS)
    return [
        Shape(f"clusters {view} {name}",
              "/api/v1/listings/clusters?"
              + _query(f"bbox={bbox_text(bbox)}", f"zoom={zoom}", FILTERS[name]),
              "listing_clusters", "clusters")
        for view, (bbox, zoom) in views.items()
        for name in filters
    ]


OGC_ITEMS = "/ogc/collections/listings/items"


def ogc_shapes(matched: int, next_path: str | None, quick: bool = False) -> list[Shape]:
    """First page, offset at half the published listings and at 90 % (deep), and the page
    a `next` link leads to at 90 % (``next_path``, found by the caller)."""
    deep = max(int(matched * 0.9) // OGC_LIMIT * OGC_LIMIT, 0)
    offsets = {"first": 0, "deep90": deep} if quick else {
        "first": 0, "offset5000": 5000, "half": matched // 2 // OGC_LIMIT * OGC_LIMIT,
        "deep90": deep}
    shapes = [Shape(f"ogc offset {label}", f"{OGC_ITEMS}?limit={OGC_LIMIT}&offset={offset}",
                    "ogc_page", "ogc")
              for label, offset in offsets.items()]
    if next_path is not None:
        shapes.append(Shape("ogc next-link deep90", next_path, "ogc_page", "ogc"))
    return shapes


def download_shape(place: str = "Osnabrück") -> Shape:
    lat, lon = PLACES[place]
    bbox = bbox_text(box(lat, lon, DISTRICT_KM))
    return Shape(f"download district {place}",
                 f"{OGC_ITEMS}?bbox={bbox}&limit={DOWNLOAD_LIMIT}", "ogc_page",
                 "download")
