"""Rent and size limits per municipality and household size (the "Angemessenheitsgrenzen"
of the Kosten der Unterkunft), and what matching needs to know of a household beyond the
registry (its assigned municipality, a need for step-free access).

The SQL that applies the limits lives in the database (migration 0026), so that the map's
filter, a listing's detail and matching all mean the same:

- ``placement_municipality_at(geography)``: the municipality a point lies in, i.e. the
  municipality organisation whose seat is nearest, within MUNICIPALITY_REACH_M;
- ``placement_rent_limit(municipality_id, household_size, day)``: the limit in force on
  that day (one row or none);
- ``placement_fits(municipality_id, household_size, gross_rent, area_m2, day)``: whether a
  flat of that gross cold rent and area is appropriate for that household size.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base

#: A point belongs to the nearest municipality seat within this distance (metres).
MUNICIPALITY_REACH_M = 20_000
#: The largest household size a limit table names (larger ones: "each further person").
MAX_HOUSEHOLD_SIZE = 15


class RentLimit(Base):
    """The highest appropriate gross cold rent (rent + utilities, EUR) and floor area (m²)
    for a household of ``household_size`` in a municipality, from ``valid_from`` on.

    The limits of a municipality take effect as a table: on a day, the rows with the
    latest ``valid_from`` on or before it are in force, all others not. A row may carry
    an increment for each further person (``further_person_*``): it applies to the sizes
    above the largest size of its table."""

    __tablename__ = "rent_limits"
    __table_args__ = (
        sa.UniqueConstraint("municipality_id", "valid_from", "household_size",
                         name="uq_rent_limits_municipality_day_size"),
        sa.CheckConstraint(f"household_size BETWEEN 1 AND {MAX_HOUSEHOLD_SIZE}",
                        name="household_size"),
        sa.CheckConstraint("max_gross_rent > 0 AND max_area_m2 > 0", name="positive"),
        sa.CheckConstraint(
            "(further_person_rent IS NULL) = (further_person_area_m2 IS NULL)"
            " AND coalesce(further_person_rent, 0) >= 0"
            " AND coalesce(further_person_area_m2, 0) >= 0",
            name="further_person",
        ),
        sa.Index("ix_rent_limits_district_id", "district_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The district that keeps the limit (whose admins edit it), and its municipality.
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    household_size: Mapped[int] = mapped_column(sa.SmallInteger)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    max_gross_rent: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    max_area_m2: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    further_person_rent: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    further_person_area_m2: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class HouseholdNeeds(Base):
    """What matching needs to know of a waiting household that the registry does not
    record: the municipality it is assigned to (the centre of its search; without one,
    its organisation's seat) and whether a member needs step-free access (health data,
    GDPR Art. 9: kept per household, shown to caseworkers, counted for everyone else).
    Written by the household's caseworkers."""

    __tablename__ = "household_needs"

    household_id: Mapped[int] = mapped_column(
        sa.ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    assigned_municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    needs_step_free: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default="false")
    # How far from its centre a flat may lie (km).
    radius_km: Mapped[int] = mapped_column(sa.Integer, default=30, server_default="30")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )
