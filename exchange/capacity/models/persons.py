"""The person registry: households, persons, their activities, the audit log, the
correction history, and the log of registry imports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from exchange.db import Base, check_in_enum, created_at_column

from .enums import ActivityKind, ActivityStatus, Gender, ImportStatus


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (sa.UniqueConstraint("organization_id", "ref", name="uq_households_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # The state system's household reference (import: household_ref), when there is one.
    ref: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")

    @property
    def member_ids(self) -> list[int]:
        """The members' ids, read afresh (members may have moved in this transaction)."""
        return list(
            object_session(self).scalars(
                sa.select(Person.id).where(Person.household_id == self.id).order_by(Person.id)
            )
        )


#: The fields of a person that the registry records (created, corrected, anonymised,
#: disclosed; the import's columns are these too): the one list of them.
PERSON_FIELDS = (
    "external_id",
    "family_name",
    "given_names",
    "birth_date",
    "gender",
    "nationality",
    "languages",
    "religion",
    "health_notes",
    "profession",
    "household_id",
    "arrival_date",
)
#: Person fields that are special categories (GDPR Art. 9).
SPECIAL_FIELDS = ("religion", "health_notes")


class Person(Base):
    """One person of a district's registry. Personal data: read and written only through
    the capacity services (exchange.capacity.persons and its siblings), which check who
    may and write the audit log."""

    __tablename__ = "persons"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("gender", Gender), name="gender"),
        sa.UniqueConstraint("organization_id", "external_id", name="uq_persons_external_id"),
        sa.Index("ix_persons_organization_id_id", "organization_id", "id"),
        sa.Index("ix_persons_organization_id_birth_date", "organization_id", "birth_date"),
        # The name search (q) matches this expression; see persons.NAME_EXPRESSION.
        sa.Index(
            "ix_persons_name_trgm",
            sa.literal_column("lower((family_name::text || ' '::text) || given_names::text)").label(
                "full_name"
            ),
            postgresql_using="gin",
            postgresql_ops={"full_name": "gin_trgm_ops"},
        ),
        # Duplicate candidates: same birth date (the btree above) and a similar name key.
        sa.Index(
            "ix_persons_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        sa.Index(
            "ix_persons_merged_into_id",
            "merged_into_id",
            postgresql_where=sa.text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    family_name: Mapped[str] = mapped_column(sa.String(200))
    given_names: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    gender: Mapped[str] = mapped_column(sa.String(1))
    nationality: Mapped[str | None] = mapped_column(sa.String(3))
    languages: Mapped[list[str]] = mapped_column(
        ARRAY(sa.String(3)), default=list, server_default="{}"
    )
    # Special categories (GDPR Art. 9): shown to and written by caseworkers only.
    religion: Mapped[str | None] = mapped_column(sa.String(100))
    health_notes: Mapped[str | None] = mapped_column(sa.Text)
    profession: Mapped[str | None] = mapped_column(sa.String(200))
    household_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    arrival_date: Mapped[date | None] = mapped_column(sa.Date)
    anonymised_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The name folded for duplicate search (transliteration variants, see migration
    # 0012's registry_name_key): written by the registry import once per distinct name,
    # by a trigger for every other writer (migration 0030).
    name_key: Mapped[str | None] = mapped_column(
        sa.Text, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    # Set when this record was merged into another (a duplicate): history only, hidden
    # from search; its occupancies and activities now belong to the kept person.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="RESTRICT")
    )
    merged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Restriction of processing (GDPR Art. 18), set by the district's admins: hidden from
    # search, duplicate candidates and placement for everyone else; every read needs a
    # stated reason (exchange.capacity.rights).
    restricted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    restriction_reason: Mapped[str | None] = mapped_column(sa.Text)
    restricted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The digest of the registry file's line this person was last imported from (the
    # import skips that line next time); cleared by a trigger when anything else changes
    # a field the file carries (migration 0035).
    import_digest: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )

    household: Mapped[Household | None] = relationship(back_populates="members")


class Activity(Base):
    """Something to do for a person: a vaccination, a BAMF hearing, a kindergarten place …"""

    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("kind", ActivityKind), name="kind"),
        sa.CheckConstraint(check_in_enum("status", ActivityStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default=ActivityStatus.OPEN.value)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )

    person: Mapped[Person] = relationship()


class PersonAudit(Base):
    """Who read or wrote which person, when, doing what; never the data itself.

    Append-only: a trigger (migration 0008) refuses UPDATE, DELETE and TRUNCATE. No
    foreign keys, so that the log outlives what it names."""

    __tablename__ = "person_audit"
    __table_args__ = (
        sa.Index("ix_person_audit_organization_id_id", "organization_id", "id"),
        sa.Index("ix_person_audit_person_id_id", "person_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp()
    )
    # NULL for the system (exchange purge-registry).
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    organization_id: Mapped[int] = mapped_column(sa.Integer)
    person_id: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(30))


class PersonChange(Base):
    """One field of a person corrected (GDPR Art. 16): what it was, what it became, who
    and when. Personal data (the old values): deleted when the person is anonymised."""

    __tablename__ = "person_changes"
    __table_args__ = (sa.Index("ix_person_changes_person_id_id", "person_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.Integer)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp()
    )
    field: Mapped[str] = mapped_column(sa.String(30))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)


class PersonAuditReason(Base):
    """The reason stated for one audited access to a restricted person or for an erasure.
    Apart from the append-only person_audit so that an erasure can remove what a reason
    says about the person (only the erasure's own reason stays)."""

    __tablename__ = "person_audit_reasons"
    __table_args__ = (sa.Index("ix_person_audit_reasons_person_id", "person_id"),)

    audit_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.Text)


class RegistryImport(Base):
    """One import of the state system's registry CSV: who, when, which file (sha256), the
    counts; no person data. Rejected imports (any bad row) are kept too."""

    __tablename__ = "registry_imports"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("status", ImportStatus), name="status"),
        sa.Index("ix_registry_imports_organization_id_id", "organization_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default="false")
    status: Mapped[str] = mapped_column(sa.String(20), default=ImportStatus.RUNNING.value)
    # The importing transaction (pg_current_xact_id): while it runs, the import runs; once
    # it has ended without setting done/rejected, the import failed (registry_import.py).
    xact_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    rows_total: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    error_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    duplicate_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
