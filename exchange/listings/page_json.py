"""The search page's fast path: rows of search.page_select written as ListingSchema dumps
them, several times faster than dumping each row through the schema (see
benchmarks/README.md: a page of 50 is the map's hot path).

It is derived from ListingSchema: each kind's own fields are the schema's fields that are
columns of the listing, less those it leaves out for the kind; decimals are written as the
schema's field says (a number or a string); the shown fields (location, address, contact,
beds by policy, distance) apply the same rules. tests/listings/test_page_json.py checks its
output against the schema's dump for a variety of listings. Dates and times stay date and
datetime objects, which orjson (the app's JSON provider) writes in ISO 8601 as the schema
does, several times faster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from marshmallow import fields
from sqlalchemy import Row

from .access import approximate
from .models import POLICIES, Listing, ListingKind
from .schemas import FOREIGN_FIELDS, SHOWN, ListingSchema

#: What a listing shows besides its own fields, read at once with them.
_SHOWN_COLUMNS = (
    "lat", "lon", "street", "postal_code", "city", "organization_name",
    "organization_verified", "owner_id", "owner_name", "owner_email", "owner_phone",
    *(f"beds_{policy}" for policy in POLICIES),
)


def _own_fields() -> dict[str, tuple[str, ...]]:
    """Each kind's own fields: ListingSchema's fields that are columns of a listing, shown
    as they are (not as the viewer may see them)."""
    columns = Listing.__table__.columns
    schema_fields = ListingSchema().fields
    return {
        kind: tuple(name for name in schema_fields
                    if name in columns and name not in SHOWN
                    and name not in FOREIGN_FIELDS[kind])
        for kind in ListingKind
    }


@dataclass(frozen=True)
class _Layout:
    """How to read one kind of listing from one shape of row: a getter of its own fields at
    once, their names, which are numbers and which decimal strings, and a getter of
    _SHOWN_COLUMNS."""

    own: Callable[[Any], tuple]
    names: tuple[str, ...]
    as_number: tuple[str, ...]
    as_string: tuple[str, ...]
    shown: Callable[[Any], tuple]


@cache
def _layouts(row_fields: tuple[str, ...]) -> dict[str, _Layout]:
    """Rows by position: a row read by index costs a fraction of one read by attribute."""
    index = {name: position for position, name in enumerate(row_fields)}
    schema_fields = ListingSchema().fields

    def getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
        return itemgetter(*(index[name] for name in names))

    layouts = {}
    for kind, names in _own_fields().items():
        layouts[kind] = _Layout(
            getter(names),
            names,
            tuple(n for n in names if isinstance(schema_fields[n], fields.Float)),
            tuple(n for n in names if isinstance(schema_fields[n], fields.Decimal)),
            getter(_SHOWN_COLUMNS),
        )
    return layouts


def page_json(
    rows: list[Row], exact: Callable[[Row], bool], distances: list[float | None]
) -> list[dict[str, Any]]:
    """A search page's rows as ListingSchema(exact=exact) dumps them (distances given
    apart: a row of a search by newest carries none), for the app's JSON provider."""
    if not rows:
        return []
    layouts = _layouts(rows[0]._fields)
    return [
        _json(layouts[row.kind], row, exact(row), distance_m)
        for row, distance_m in zip(rows, distances, strict=True)
    ]


def _json(layout: _Layout, row: Row, exact: bool, distance_m: float | None) -> dict[str, Any]:
    # All fields at once, then the few typed ones converted: a page presents many listings.
    data = dict(zip(layout.names, layout.own(row), strict=True))
    for name in layout.as_number:
        if (value := data[name]) is not None:
            data[name] = float(value)
    for name in layout.as_string:
        if (value := data[name]) is not None:
            data[name] = f"{value:f}"
    (lat, lon, street, postal_code, city, organization_name, organization_verified,
     owner_id, owner_name, owner_email, owner_phone, *beds) = layout.shown(row)
    if exact:
        data["location"] = {"lat": round(lat, 7), "lon": round(lon, 7)}
    else:
        lat, lon = approximate(round(lat, 7), round(lon, 7))
        data["location"] = {"lat": lat, "lon": lon}
    data["location_precision"] = "exact" if exact else "approximate"
    data["address"] = {
        "street": street if exact else None, "postal_code": postal_code, "city": city
    }
    data["organization_name"] = organization_name
    data["owner_verified"] = organization_verified
    if data["kind"] == ListingKind.BEDS:
        data["beds_by_policy"] = dict(zip(POLICIES, beds, strict=True))
    if exact and owner_id is not None:
        data["contact"] = {"name": owner_name, "email": owner_email, "phone": owner_phone}
    if distance_m is not None:
        # Others get distances in half kilometres: exact ones would give the place away.
        data["distance_km"] = round(distance_m / 1000, 3) if exact else round(distance_m / 500) / 2
    return data


#: Decimal fields that an OGC feature writes as numbers (the REST API writes them as strings).
_FEATURE_NUMBERS = ("rent_cold", "utilities")


def ogc_features(rows: list[Row], exact: Callable[[Row], bool]) -> list[dict[str, Any]]:
    """An OGC page's rows as GeoJSON features with flat properties, in one pass: what
    `feature(flat_properties(page_json(...)))` in ogc.py gives, without the nested dicts
    built and taken apart again (that cost twice the SQL of a page of 1,000)."""
    if not rows:
        return []
    layouts = _layouts(rows[0]._fields)
    return [_feature(layouts[row.kind], row, exact(row)) for row in rows]


def _feature(layout: _Layout, row: Row, exact: bool) -> dict[str, Any]:
    properties = {name: value for name, value in zip(layout.names, layout.own(row), strict=True)
                  if value is not None}
    for name in layout.as_number:
        if name in properties:
            properties[name] = float(properties[name])
    for name in layout.as_string:
        if name in properties:
            value = properties[name]
            properties[name] = float(value) if name in _FEATURE_NUMBERS else f"{value:f}"
    (lat, lon, street, postal_code, city, organization_name, organization_verified,
     owner_id, owner_name, owner_email, owner_phone, *beds) = layout.shown(row)
    lat, lon = round(lat, 7), round(lon, 7)
    if not exact:
        lat, lon = approximate(lat, lon)
    shown = {
        "location_precision": "exact" if exact else "approximate",
        "street": street if exact else None, "postal_code": postal_code, "city": city,
        "organization_name": organization_name, "owner_verified": organization_verified,
    }
    if properties["kind"] == ListingKind.BEDS:
        shown.update(zip((f"beds_by_policy_{p}" for p in POLICIES), beds, strict=True))
    if exact and owner_id is not None:
        shown.update(contact_name=owner_name, contact_email=owner_email,
                     contact_phone=owner_phone)
    properties.update((key, value) for key, value in shown.items() if value is not None)
    return {"type": "Feature", "id": properties["id"],
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties}
