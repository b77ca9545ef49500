"""The capacity domain's enumerations (stored as their string values, checked by the
database). Made by the functional StrEnum API, a member's value is its name in lower case
(ShelterKind.FLAT == "flat"); Gender's values are the registry's letters."""

from __future__ import annotations

import enum

ShelterKind = enum.StrEnum("ShelterKind", "COLLECTIVE FLAT EMERGENCY")
RoomPolicy = enum.StrEnum("RoomPolicy", "MALE FEMALE FAMILY MIXED")
BedStatus = enum.StrEnum("BedStatus", "AVAILABLE BLOCKED OUT_OF_SERVICE")


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


ActivityKind = enum.StrEnum("ActivityKind", "VACCINATION BAMF_HEARING KINDERGARTEN SCHOOL CUSTOM")
ActivityStatus = enum.StrEnum("ActivityStatus", "OPEN DONE CANCELLED")
# An import FAILED: it ended without an answer (a crash, a killed process, a lost database).
ImportStatus = enum.StrEnum("ImportStatus", "RUNNING DONE REJECTED FAILED")
TransferStatus = enum.StrEnum("TransferStatus", "REQUESTED ACCEPTED DECLINED RELEASED WITHDRAWN")
