"""Transfer requests of beds between districts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, check_in_enum, created_at_column

from .enums import TransferStatus


class BedTransfer(Base):
    """District A (requesting) asks district B (providing) for beds of B's published beds
    listing; accepted, the beds are held (B's published free beds drop) until ``until``."""

    __tablename__ = "bed_transfers"
    __table_args__ = (
        CheckConstraint(check_in_enum("status", TransferStatus), name="status"),
        CheckConstraint("beds > 0", name="beds_positive"),
        CheckConstraint(
            "requesting_organization_id <> providing_organization_id", name="two_sides"
        ),
        Index("ix_bed_transfers_status_until", "status", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    requesting_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    providing_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    beds: Mapped[int] = mapped_column(Integer)
    until: Mapped[date] = mapped_column(Date)
    #: The day the persons are to arrive (None: asked before arrival dates were recorded).
    arrival_date: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.REQUESTED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The chat thread of the two sides, opened by the chat domain on `transfer_requested`.
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_rooms.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
