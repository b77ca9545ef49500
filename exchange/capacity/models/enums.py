"""The capacity domain's enumerations (stored as their string values, checked by the
database)."""

from __future__ import annotations

import enum


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


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"  # ended without an answer (a crash, a killed process, a lost database)


class TransferStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RELEASED = "released"


def check_in_enum(column: str, values: type[enum.StrEnum]) -> str:
    """The SQL condition of a CHECK constraint: the column holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"
