"""Searching the gazetteer: a postcode (or its first digits) finds postcodes, a name finds
towns by trigram similarity (pg_trgm) of their search keys, larger towns first among
equals; and the largest towns in a map area, for the place names of a map without tiles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from exchange.extensions import db
from exchange.places.keys import search_key
from exchange.places.models import PlacePostcode, PlaceTown

_DIGITS = re.compile(r"\b(\d{2,5})\b")
# Below this trigram similarity a name is no match (pg_trgm's own default threshold).
SIMILARITY = 0.3


@dataclass(frozen=True)
class Place:
    """A search answer: a postcode with its place, or a town."""

    kind: str  # "postcode" | "town"
    name: str
    state: str
    postal_code: str  # a town's first postcode
    lat: float
    lon: float
    postcode_count: int

    @property
    def label(self) -> str:
        return f"{self.postal_code} {self.name}" if self.kind == "postcode" else self.name


def split_query(q: str) -> tuple[str, str]:
    """(postcode digits, name key) of what was typed: "49074", "Osnabrück", "49074 Osnabrück"."""
    match = _DIGITS.search(q)
    digits = match.group(1) if match else ""
    words = _DIGITS.sub(" ", q) if match else q
    return digits, search_key(words)


def _name_matches(column, key: str):
    return or_(column.op("%")(key), column.like(key.replace("%", "") + "%"))


def search_places(q: str, limit: int) -> list[Place]:
    """Postcodes for digits (narrowed by a name typed with them), towns for a name."""
    digits, key = split_query(q)
    if digits:
        return _postcodes(digits, key, limit)
    return _towns(key, limit) if key else []


def _postcodes(digits: str, key: str, limit: int) -> list[Place]:
    towns = (select(PlaceTown.name, func.max(PlaceTown.postcode_count).label("count"))
             .group_by(PlaceTown.name).subquery())
    query = (
        select(PlacePostcode, towns.c.count)
        .join(towns, towns.c.name == PlacePostcode.name, isouter=True)
        .where(PlacePostcode.postal_code.like(digits + "%"))
    )
    if key:
        query = query.where(_name_matches(PlacePostcode.search_key, key))
    query = query.order_by(PlacePostcode.postal_code, towns.c.count.desc().nulls_last(),
                           PlacePostcode.name).limit(limit)
    return [
        Place("postcode", row.name, row.state, row.postal_code, row.lat, row.lon, count or 1)
        for row, count in db.session.execute(query)
    ]


def _towns(key: str, limit: int) -> list[Place]:
    similarity = func.similarity(PlaceTown.search_key, key)
    query = (
        select(PlaceTown)
        .where(_name_matches(PlaceTown.search_key, key))
        .order_by((PlaceTown.search_key == key).desc(),
                  PlaceTown.search_key.like(key + "%").desc(),
                  (similarity >= SIMILARITY * 2).desc(),
                  PlaceTown.postcode_count.desc(), similarity.desc(), PlaceTown.name)
        .limit(limit)
    )
    return [_town(town) for town in db.session.scalars(query)]


def _town(town: PlaceTown) -> Place:
    return Place("town", town.name, town.state, town.first_postal_code, town.lat, town.lon,
                 town.postcode_count)


# From this zoom on (a town's quarters) the postcodes of the view are named too.
POSTCODE_ZOOM = 12


def _postcode(row: PlacePostcode) -> Place:
    return Place("postcode", row.name, row.state, row.postal_code, row.lat, row.lon, 1)


def labels_in_view(bbox: tuple[float, float, float, float], limit: int,
                   zoom: int | None = None) -> list[Place]:
    """The `limit` largest towns in the box (minLon, minLat, maxLon, maxLat), and from
    POSTCODE_ZOOM on its postcodes after them: names for a map without tiles."""
    box = func.ST_MakeEnvelope(*bbox, 4326)
    towns = db.session.scalars(
        select(PlaceTown).where(PlaceTown.location.op("&&")(box))
        .order_by(PlaceTown.postcode_count.desc(), PlaceTown.name).limit(limit)
    )
    found = [_town(town) for town in towns]
    if zoom is not None and zoom >= POSTCODE_ZOOM and len(found) < limit:
        postcodes = db.session.scalars(
            select(PlacePostcode).where(PlacePostcode.location.op("&&")(box))
            .order_by(PlacePostcode.postal_code, PlacePostcode.name).limit(limit - len(found))
        )
        found += [_postcode(row) for row in postcodes]
    return found


def nearest_postcode(lat: float, lon: float) -> Place | None:
    """The postcode whose point is nearest (the map's centre: where one is, at any zoom)."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    row = db.session.scalars(
        select(PlacePostcode).order_by(PlacePostcode.location.op("<->")(point)).limit(1)
    ).first()
    return _postcode(row) if row is not None else None
