"""What the free-bed forecast (exchange.capacity.forecast) is built from besides today's
counts: allocations announced by the state (persons who will arrive), planned move-outs
(persons who will leave a shelter) and each organisation's warning threshold.

Planned move-outs are written by hand (a caseworker knows someone moves to relatives) or
by another domain through exchange.capacity.allocations.plan_move_out: the placement
package records an accepted proposal's moving date under ``source`` ("proposal:17"), one
row per source, replaced when the date changes and removed when the proposal falls
through."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, check_in_enum, created_at_column

from .enums import ShelterKind


class Allocation(Base):
    """An allocation (Zuweisung) announced by the state: ``persons`` arrive on
    ``arrives_on``; their household sizes when known; the kind of shelter they are meant
    for when decided (else they count against the district's total only)."""

    __tablename__ = "allocations"
    __table_args__ = (
        sa.CheckConstraint("persons > 0", name="persons_positive"),
        sa.CheckConstraint(
            f"shelter_kind IS NULL OR {check_in_enum('shelter_kind', ShelterKind)}",
            name="shelter_kind",
        ),
        sa.Index("ix_allocations_organization_id_arrives_on", "organization_id", "arrives_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    arrives_on: Mapped[date] = mapped_column(sa.Date)
    persons: Mapped[int] = mapped_column(sa.Integer)
    #: Household sizes if known ([4, 2, 1]: a family of four, a couple, one person).
    households: Mapped[list[int]] = mapped_column(
        ARRAY(sa.Integer), default=list, server_default="{}"
    )
    shelter_kind: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class PlannedMoveOut(Base):
    """``persons`` leave ``shelter_id`` on ``moves_on`` (their beds come free that day).
    ``source`` names what planned it ("proposal:17"; None when entered by hand)."""

    __tablename__ = "planned_move_outs"
    __table_args__ = (
        sa.CheckConstraint("persons > 0", name="persons_positive"),
        sa.UniqueConstraint("source", name="uq_planned_move_outs_source"),
        sa.Index("ix_planned_move_outs_organization_id_moves_on", "organization_id", "moves_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    shelter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shelters.id", ondelete="CASCADE"), index=True
    )
    moves_on: Mapped[date] = mapped_column(sa.Date)
    persons: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    source: Mapped[str | None] = mapped_column(sa.String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class ForecastSetting(Base):
    """An organisation's forecast threshold: its admins are warned when the forecast of
    free beds falls below it. ``warned_at`` is set when they were warned and cleared when
    the forecast is back at or above the threshold, so each crossing warns once."""

    __tablename__ = "forecast_settings"
    __table_args__ = (sa.CheckConstraint("threshold >= 0", name="threshold_non_negative"),)

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    threshold: Mapped[int | None] = mapped_column(sa.Integer)
    warned_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
