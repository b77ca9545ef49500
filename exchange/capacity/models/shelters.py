"""Shelters, their rooms and beds, and the capacity counters and daily snapshots.

Capacity is kept per shelter in `capacity_counts`, maintained by database triggers on
beds, rooms and occupancies (migration 0008) in the same transaction as the change, so
one occupancy change updates one counter row whatever the registry's size, and every
writer (API, import, a bulk load) keeps it right.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, check_in_enum, created_at_column, point_column
from exchange.profiles.models import Organization

from .enums import BedStatus, RoomPolicy, ShelterKind


class Shelter(Base):
    __tablename__ = "shelters"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("kind", ShelterKind), name="kind"),
        sa.CheckConstraint("reserve_beds >= 0", name="reserve_beds_non_negative"),
        sa.CheckConstraint("held_beds >= 0", name="held_beds_non_negative"),
        sa.Index("ix_shelters_location", "location", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    street: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(sa.String(10))
    city: Mapped[str] = mapped_column(sa.String(100))
    location = point_column(nullable=False)
    publish_capacity: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default="false"
    )
    # Beds kept back from publication (emergencies, quarantine): published free beds are
    # max(free - reserve_beds, 0).
    reserve_beds: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Beds held for other districts by accepted transfer requests (kept by
    # exchange.capacity.transfers under the counter row's lock): published free beds are
    # max(free - reserve_beds - held_beds, 0).
    held_beds: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    #: The day an announced shelter opens (None: open). Until then its beds are not part
    #: of today's free beds in the forecast; they come in the week it opens.
    opens_on: Mapped[date | None] = mapped_column(sa.Date)
    # The `beds` listing this shelter publishes (kept while unpublished, so that turning
    # publication on again republishes the same listing).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )

    organization: Mapped[Organization] = relationship()
    rooms: Mapped[list[ShelterRoom]] = relationship(
        back_populates="shelter", order_by="ShelterRoom.id"
    )


class ShelterRoom(Base):
    __tablename__ = "rooms"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("policy", RoomPolicy), name="policy"),
        sa.UniqueConstraint("shelter_id", "name", name="uq_rooms_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(sa.ForeignKey("shelters.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(100))
    policy: Mapped[str] = mapped_column(sa.String(10))
    accessible: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()

    shelter: Mapped[Shelter] = relationship(back_populates="rooms")
    beds: Mapped[list[Bed]] = relationship(back_populates="room", order_by="Bed.id")


class Bed(Base):
    __tablename__ = "beds"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("status", BedStatus), name="status"),
        sa.CheckConstraint("status <> 'available' OR block_reason IS NULL", name="block_reason"),
        sa.UniqueConstraint("room_id", "label", name="uq_beds_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(20), default=BedStatus.AVAILABLE.value)
    block_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = created_at_column()

    room: Mapped[ShelterRoom] = relationship(back_populates="beds")


class CapacityCount(Base):
    """A shelter's beds counted by state, kept by triggers (see the module docstring).

    free beds = total - blocked - occupied = free_male + free_female + free_family +
    free_mixed (by the policy of their room); free_accessible counts free beds in
    accessible rooms. Blocked includes out of service."""

    __tablename__ = "capacity_counts"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative")
        for c in (
            "total",
            "blocked",
            "occupied",
            "free_male",
            "free_female",
            "free_family",
            "free_mixed",
            "free_accessible",
        )
    )

    shelter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shelters.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    total: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    blocked: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    occupied: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    free_male: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    free_female: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    free_family: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    free_mixed: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    free_accessible: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    @property
    def free(self) -> int:
        return self.free_male + self.free_female + self.free_family + self.free_mixed

    @property
    def by_policy(self) -> dict[str, int]:
        return {policy.value: getattr(self, f"free_{policy.value}") for policy in RoomPolicy}


class CapacitySnapshot(Base):
    """One shelter's counts at the end of a day (`exchange snapshot-capacity`), for the
    trend chart; organisation totals are sums over their shelters."""

    __tablename__ = "capacity_snapshots"
    __table_args__ = (
        sa.UniqueConstraint("shelter_id", "day", name="uq_capacity_snapshots_day"),
        sa.Index("ix_capacity_snapshots_organization_id_day", "organization_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    shelter_id: Mapped[int] = mapped_column(sa.ForeignKey("shelters.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    total: Mapped[int] = mapped_column(sa.Integer)
    blocked: Mapped[int] = mapped_column(sa.Integer)
    occupied: Mapped[int] = mapped_column(sa.Integer)
    free: Mapped[int] = mapped_column(sa.Integer)
