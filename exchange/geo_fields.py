"""Query fields of map coordinates (marshmallow): a box `minLon,minLat,maxLon,maxLat` and a
point `lat,lon`, shared by every API that takes a map area or a place."""

from __future__ import annotations

import math
from typing import Any

from marshmallow import ValidationError, fields


def _numbers(value: Any, count: int, what: str) -> list[float]:
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValidationError(f"Use {what}.")
    if len(parts) != count:
        raise ValidationError(f"Use {what}.")
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Use {what}: numbers only.") from exc
    if not all(math.isfinite(n) for n in numbers):
        raise ValidationError(f"Use {what}: finite numbers only.")
    return numbers


def _check_lon_lat(lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise ValidationError("Longitude must be between -180 and 180.")
    if not -90 <= lat <= 90:
        raise ValidationError("Latitude must be between -90 and 90.")


class BBoxField(fields.String):
    """`minLon,minLat,maxLon,maxLat` (or a list of the four numbers)."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float, float, float]:
        min_lon, min_lat, max_lon, max_lat = _numbers(value, 4, "minLon,minLat,maxLon,maxLat")
        _check_lon_lat(min_lon, min_lat)
        _check_lon_lat(max_lon, max_lat)
        if min_lon >= max_lon or min_lat >= max_lat:
            raise ValidationError("Use minLon,minLat,maxLon,maxLat with min < max.")
        return min_lon, min_lat, max_lon, max_lat

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value) if value is not None else None


class NearField(fields.String):
    """`lat,lon` (or a list of the two numbers)."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[float, float]:
        lat, lon = _numbers(value, 2, "lat,lon")
        _check_lon_lat(lon, lat)
        return lat, lon

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value) if value is not None else None
