"""Conversions between PostGIS values and {"lat", "lon"} dictionaries."""

from __future__ import annotations

import struct

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from shapely import wkt
from shapely.geometry.base import BaseGeometry


def to_geometry(value: WKBElement | WKTElement | str) -> BaseGeometry:
    """A shapely geometry of a stored value, or of the EWKT just assigned to a column (an
    object dumped after flush, before anything read it back)."""
    if isinstance(value, str):
        return wkt.loads(value.split(";", 1)[-1])
    return to_shape(value)


def point_to_dict(value: WKBElement | WKTElement | str | None) -> dict | None:
    """{"lat", "lon"} of a stored point, or None."""
    if value is None:
        return None
    data = getattr(value, "data", None)
    if isinstance(data, bytes | memoryview) and len(data) == 21:
        # The plain 21-byte WKB point that queries return, read directly: shapely would
        # cost ~20 times as much, which shows on pages of many points.
        order = "<" if data[0] == 1 else ">"
        kind, lon, lat = struct.unpack(f"{order}Idd", bytes(data[1:]))
        if kind == 1:
            return {"lat": round(lat, 7), "lon": round(lon, 7)}
    point = to_geometry(value)
    return {"lat": round(point.y, 7), "lon": round(point.x, 7)}
