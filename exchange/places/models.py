"""Postcodes and towns of the gazetteer, and which data set is loaded."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Computed, DateTime, Float, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base

POINT_SQL = "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"


def _point() -> Mapped[object]:
    # Kept by PostgreSQL from lat/lon; a geometry (lon/lat boxes of the map), not geography.
    return mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), Computed(POINT_SQL, persisted=True)
    )


class PlacePostcode(Base):
    """One postcode and a place name it serves, at the postcode's point."""

    __tablename__ = "place_postcodes"
    __table_args__ = (UniqueConstraint("postal_code", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    postal_code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    search_key: Mapped[str] = mapped_column(Text)
    location: Mapped[object] = _point()


class PlaceTown(Base):
    """A town (municipality or locality) of the postcodes: one name in one area, at the mean
    of its postcodes; `postcode_count` says how large it is (Berlin ~190, a village 1)."""

    __tablename__ = "place_towns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    postcode_count: Mapped[int] = mapped_column(Integer)
    first_postal_code: Mapped[str] = mapped_column(String(5))
    search_key: Mapped[str] = mapped_column(Text)
    location: Mapped[object] = _point()


class PlaceLoad(Base):
    """The data set in the tables (source, its version, how many rows)."""

    __tablename__ = "place_loads"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
