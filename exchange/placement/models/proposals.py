"""Proposals: a caseworker proposes a household of their district for a flat; the owner
side answers. Also the household's consent record (what a landlord may see of it) and the
append-only log of every step of a proposal."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, check_in_enum, created_at_column

# A member's value is its name in lower case (functional StrEnum API).
ProposalState = enum.StrEnum(
    "ProposalState", "PROPOSED VIEWING ACCEPTED MOVED_IN DECLINED WITHDRAWN"
)
#: States in which the flat is promised to the household: one proposal per listing at most.
TAKEN_STATES = ("accepted", "moved_in")
#: States in which a proposal is still open (the household may be proposed once per flat).
OPEN_STATES = ("proposed", "viewing", "accepted")
#: What a household may agree to share with a landlord beyond its size (GDPR: names only
#: with consent; special categories never, whatever is recorded).
CONSENT_SHARES = ("composition", "languages", "arrival_date", "names")


def _in(states: tuple[str, ...]) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


class Proposal(Base):
    __tablename__ = "placement_proposals"
    __table_args__ = (
        CheckConstraint(check_in_enum("state", ProposalState), name="state"),
        CheckConstraint("state <> 'declined' OR reason IS NOT NULL", name="declined_reason"),
        # One flat is never promised to two households: the database settles two accepts
        # racing each other (the second gets 23505, answered 409).
        Index("uq_placement_proposals_listing_taken", "listing_id", unique=True,
              postgresql_where=text(_in(TAKEN_STATES))),
        # A household is proposed for a flat once at a time.
        Index("uq_placement_proposals_household_listing_open", "household_id", "listing_id",
              unique=True, postgresql_where=text(_in(OPEN_STATES))),
        Index("ix_placement_proposals_organization_id_id", "organization_id", "id"),
        Index("ix_placement_proposals_listing_id_id", "listing_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    #: The household's district (its organisation): whose caseworkers act for it.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.PROPOSED.value)
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Why the owner side declined (required) or the caseworker withdrew (optional).
    reason: Mapped[str | None] = mapped_column(Text)
    viewing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The planned day of moving in, agreed on accepting (the forecast counts the beds an
    #: accepted proposal frees from then).
    move_in_date: Mapped[date | None] = mapped_column(Date)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The conversation of the caseworker and the owner side (opened on proposing).
    room_id: Mapped[int | None] = mapped_column(ForeignKey("chat_rooms.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moved_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProposalStep(Base):
    """One step of a proposal: who, when, which action, the state it led to; never person
    data. Append-only: a trigger (migration 0027) refuses UPDATE, DELETE and TRUNCATE; no
    foreign keys, so that the log outlives what it names."""

    __tablename__ = "placement_proposal_steps"
    __table_args__ = (Index("ix_placement_proposal_steps_proposal_id_id", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))


class HouseholdConsent(Base):
    """What a household agreed to share with landlords, recorded by a caseworker: who, when,
    what (CONSENT_SHARES), and a note (e.g. the signed form). The newest record counts; a
    withdrawn consent is a newer record sharing less."""

    __tablename__ = "household_consents"
    __table_args__ = (
        CheckConstraint(
            "shares <@ ARRAY['composition', 'languages', 'arrival_date', 'names']::varchar[]",
            name="shares",
        ),
        Index("ix_household_consents_household_id_id", "household_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    shares: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
