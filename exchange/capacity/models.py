"""Shelters, rooms, beds, the person registry, households, occupancies, activities, the
person audit log, and the capacity counters and daily snapshots.

Capacity is kept per shelter in `capacity_counts`, maintained by database triggers on
beds, rooms and occupancies (migration 0008) in the same transaction as the change, so
one occupancy change updates one counter row whatever the registry's size, and every
writer (API, import, a bulk load) keeps it right.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from exchange.db import Base, created_at_column, point_column
from exchange.profiles.models import Organization


class ShelterKind(enum.StrEnum):
    COLLECTIVE = "collective"
    FLAT = "flat"
    EMERGENCY = "emergency"


class RoomPolicy(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    FAMILY = "family"
    MIXED = "mixed"


class BedStatus(enum.StrEnum):
    AVAILABLE = "available"
    BLOCKED = "blocked"
    OUT_OF_SERVICE = "out_of_service"


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


class ActivityKind(enum.StrEnum):
    VACCINATION = "vaccination"
    BAMF_HEARING = "bamf_hearing"
    KINDERGARTEN = "kindergarten"
    SCHOOL = "school"
    CUSTOM = "custom"


class ActivityStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Shelter(Base):
    __tablename__ = "shelters"
    __table_args__ = (
        CheckConstraint(_in("kind", ShelterKind), name="kind"),
        CheckConstraint("reserve_beds >= 0", name="reserve_beds_non_negative"),
        CheckConstraint("held_beds >= 0", name="held_beds_non_negative"),
        Index("ix_shelters_location", "location", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    location = point_column(nullable=False)
    publish_capacity: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Beds kept back from publication (emergencies, quarantine): published free beds are
    # max(free - reserve_beds, 0).
    reserve_beds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Beds held for other districts by accepted transfer requests (kept by
    # exchange.capacity.transfers under the counter row's lock): published free beds are
    # max(free - reserve_beds - held_beds, 0).
    held_beds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The `beds` listing this shelter publishes (kept while unpublished, so that turning
    # publication on again republishes the same listing).
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    organization: Mapped[Organization] = relationship()
    rooms: Mapped[list[ShelterRoom]] = relationship(
        back_populates="shelter", order_by="ShelterRoom.id"
    )


class ShelterRoom(Base):
    __tablename__ = "rooms"
    __table_args__ = (
        CheckConstraint(_in("policy", RoomPolicy), name="policy"),
        UniqueConstraint("shelter_id", "name", name="uq_rooms_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    policy: Mapped[str] = mapped_column(String(10))
    accessible: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()

    shelter: Mapped[Shelter] = relationship(back_populates="rooms")
    beds: Mapped[list[Bed]] = relationship(back_populates="room", order_by="Bed.id")


class Bed(Base):
    __tablename__ = "beds"
    __table_args__ = (
        CheckConstraint(_in("status", BedStatus), name="status"),
        CheckConstraint("status <> 'available' OR block_reason IS NULL", name="block_reason"),
        UniqueConstraint("room_id", "label", name="uq_beds_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default=BedStatus.AVAILABLE.value)
    block_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()

    room: Mapped[ShelterRoom] = relationship(back_populates="beds")


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("organization_id", "ref", name="uq_households_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # The state system's household reference (import: household_ref), when there is one.
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")

    @property
    def member_ids(self) -> list[int]:
        """The members' ids, read afresh (members may have moved in this transaction)."""
        return list(
            object_session(self).scalars(
                select(Person.id).where(Person.household_id == self.id).order_by(Person.id)
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
        CheckConstraint(_in("gender", Gender), name="gender"),
        UniqueConstraint("organization_id", "external_id", name="uq_persons_external_id"),
        Index("ix_persons_organization_id_id", "organization_id", "id"),
        Index("ix_persons_organization_id_birth_date", "organization_id", "birth_date"),
        # The name search (q) matches this expression; see persons.NAME_EXPRESSION.
        Index(
            "ix_persons_name_trgm",
            literal_column("lower((family_name::text || ' '::text) || given_names::text)").label(
                "full_name"
            ),
            postgresql_using="gin",
            postgresql_ops={"full_name": "gin_trgm_ops"},
        ),
        # Duplicate candidates: same birth date (the btree above) and a similar name key.
        Index(
            "ix_persons_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        Index(
            "ix_persons_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    external_id: Mapped[str | None] = mapped_column(String(64))
    family_name: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200), default="", server_default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(3))
    languages: Mapped[list[str]] = mapped_column(
        ARRAY(String(3)), default=list, server_default="{}"
    )
    # Special categories (GDPR Art. 9): shown to and written by caseworkers only.
    religion: Mapped[str | None] = mapped_column(String(100))
    health_notes: Mapped[str | None] = mapped_column(Text)
    profession: Mapped[str | None] = mapped_column(String(200))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    arrival_date: Mapped[date | None] = mapped_column(Date)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The name folded for duplicate search (transliteration variants, see migration
    # 0012's registry_name_key); generated by PostgreSQL, so every writer keeps it right.
    name_key: Mapped[str | None] = mapped_column(
        Text, Computed("registry_name_key(family_name, given_names)", persisted=True)
    )
    # Set when this record was merged into another (a duplicate): history only, hidden
    # from search; its occupancies and activities now belong to the kept person.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="RESTRICT")
    )
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Restriction of processing (GDPR Art. 18), set by the district's admins: hidden from
    # search, duplicate candidates and placement for everyone else; every read needs a
    # stated reason (exchange.capacity.rights).
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restriction_reason: Mapped[str | None] = mapped_column(Text)
    restricted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    household: Mapped[Household | None] = relationship(back_populates="members")


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


class Activity(Base):
    """Something to do for a person: a vaccination, a BAMF hearing, a kindergarten place …"""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint(_in("kind", ActivityKind), name="kind"),
        CheckConstraint(_in("status", ActivityStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ActivityStatus.OPEN.value)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    person: Mapped[Person] = relationship()


class PersonAudit(Base):
    """Who read or wrote which person, when, doing what; never the data itself.

    Append-only: a trigger (migration 0008) refuses UPDATE, DELETE and TRUNCATE. No
    foreign keys, so that the log outlives what it names."""

    __tablename__ = "person_audit"
    __table_args__ = (
        Index("ix_person_audit_organization_id_id", "organization_id", "id"),
        Index("ix_person_audit_person_id_id", "person_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    # NULL for the system (exchange purge-registry).
    user_id: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))


class PersonChange(Base):
    """One field of a person corrected (GDPR Art. 16): what it was, what it became, who
    and when. Personal data (the old values): deleted when the person is anonymised."""

    __tablename__ = "person_changes"
    __table_args__ = (Index("ix_person_changes_person_id_id", "person_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class PersonAuditReason(Base):
    """The reason stated for one audited access to a restricted person or for an erasure.
    Apart from the append-only person_audit so that an erasure can remove what a reason
    says about the person (only the erasure's own reason stays)."""

    __tablename__ = "person_audit_reasons"
    __table_args__ = (Index("ix_person_audit_reasons_person_id", "person_id"),)

    audit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class CapacityCount(Base):
    """A shelter's beds counted by state, kept by triggers (see the module docstring).

    free beds = total - blocked - occupied = free_male + free_female + free_family +
    free_mixed (by the policy of their room); free_accessible counts free beds in
    accessible rooms. Blocked includes out of service."""

    __tablename__ = "capacity_counts"
    __table_args__ = tuple(
        CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative")
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
        ForeignKey("shelters.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(Integer, index=True)
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    blocked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    occupied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    free_male: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    free_female: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    free_family: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    free_mixed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    free_accessible: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

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
        UniqueConstraint("shelter_id", "day", name="uq_capacity_snapshots_day"),
        Index("ix_capacity_snapshots_organization_id_day", "organization_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer)
    free: Mapped[int] = mapped_column(Integer)


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    REJECTED = "rejected"


class RegistryImport(Base):
    """One import of the state system's registry CSV: who, when, which file (sha256), the
    counts; no person data. Rejected imports (any bad row) are kept too."""

    __tablename__ = "registry_imports"
    __table_args__ = (
        CheckConstraint(_in("status", ImportStatus), name="status"),
        Index("ix_registry_imports_organization_id_id", "organization_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.RUNNING.value)
    rows_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TransferStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RELEASED = "released"


class BedTransfer(Base):
    """District A (requesting) asks district B (providing) for beds of B's published beds
    listing; accepted, the beds are held (B's published free beds drop) until ``until``."""

    __tablename__ = "bed_transfers"
    __table_args__ = (
        CheckConstraint(_in("status", TransferStatus), name="status"),
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
