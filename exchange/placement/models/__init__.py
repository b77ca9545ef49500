"""The placement domain's tables, one module per part; all are imported here, so that
`exchange.placement.models` names every one of them."""

from .proposals import (
    CONSENT_SHARES,
    HouseholdConsent,
    Proposal,
    ProposalState,
    ProposalStep,
)

__all__ = [
    "CONSENT_SHARES",
    "HouseholdConsent",
    "Proposal",
    "ProposalState",
    "ProposalStep",
]
