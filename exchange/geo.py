"""Conversions between PostGIS values and {"lat", "lon"} dictionaries."""

from __future__ import annotations

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape


def point_to_dict(value: WKBElement | WKTElement | str | None) -> dict | None:
    """{"lat", "lon"} of a stored point, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        from shapely import wkt

        point = wkt.loads(value.split(";", 1)[-1])
    else:
        point = to_shape(value)
    return {"lat": round(point.y, 7), "lon": round(point.x, 7)}
