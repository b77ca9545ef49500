"""The capacity domain's tables, one module per part: shelters (rooms, beds, counters,
snapshots), persons (the registry, its audit log and imports), occupancy, transfers,
allocations (the forecast's announced arrivals, move-outs and threshold). All
are imported here, so that `exchange.capacity.models` names every one of them."""

from .allocations import Allocation, ForecastSetting, PlannedMoveOut
from .enums import (
    ActivityKind,
    ActivityStatus,
    BedStatus,
    Gender,
    ImportStatus,
    RoomPolicy,
    ShelterKind,
    TransferStatus,
)
from .occupancy import Occupancy
from .persons import (
    PERSON_FIELDS,
    SPECIAL_FIELDS,
    Activity,
    Household,
    Person,
    PersonAudit,
    PersonAuditReason,
    PersonChange,
    RegistryImport,
)
from .shelters import Bed, CapacityCount, CapacitySnapshot, Shelter, ShelterRoom
from .transfers import BedTransfer

__all__ = [
    "PERSON_FIELDS",
    "SPECIAL_FIELDS",
    "Activity",
    "Allocation",
    "ActivityKind",
    "ActivityStatus",
    "Bed",
    "BedStatus",
    "BedTransfer",
    "CapacityCount",
    "CapacitySnapshot",
    "ForecastSetting",
    "Gender",
    "Household",
    "ImportStatus",
    "Occupancy",
    "Person",
    "PersonAudit",
    "PersonAuditReason",
    "PersonChange",
    "PlannedMoveOut",
    "RegistryImport",
    "RoomPolicy",
    "Shelter",
    "ShelterKind",
    "ShelterRoom",
    "TransferStatus",
]
