"""Occupancies: a person in a bed for a period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, created_at_column

from .persons import Person
from .shelters import Bed


class Occupancy(Base):
    """A person in a bed for a period; open while the period has no upper bound.

    The exclusion constraints are the rule "no bed and no person in two overlapping
    occupancies", settled by PostgreSQL whatever the requests race."""

    __tablename__ = "occupancies"
    __table_args__ = (
        ExcludeConstraint(
            ("bed_id", "="), ("period", "&&"), name="ex_occupancies_bed", using="gist"
        ),
        ExcludeConstraint(
            ("person_id", "="), ("period", "&&"), name="ex_occupancies_person", using="gist"
        ),
        CheckConstraint("NOT isempty(period) AND NOT lower_inf(period)", name="period"),
        Index("ix_occupancies_open_bed", "bed_id", postgresql_where=text("upper_inf(period)")),
        Index(
            "ix_occupancies_open_person", "person_id", postgresql_where=text("upper_inf(period)")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"))
    bed_id: Mapped[int] = mapped_column(ForeignKey("beds.id", ondelete="RESTRICT"))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    person: Mapped[Person] = relationship()
    bed: Mapped[Bed] = relationship()

    @property
    def is_open(self) -> bool:
        return self.period.upper is None
