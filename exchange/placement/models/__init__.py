"""The placement domain's tables, one module per part; all are imported here, so that
`exchange.placement.models` names every one of them."""

from .proposals import (
    CONSENT_SHARES,
    HouseholdConsent,
    Proposal,
    ProposalState,
    ProposalStep,
)
from .rent_limits import HouseholdNeeds, RentLimit

__all__ = [
    "CONSENT_SHARES",
    "HouseholdConsent",
    "HouseholdNeeds",
    "Proposal",
    "ProposalState",
    "ProposalStep",
    "RentLimit",
]
