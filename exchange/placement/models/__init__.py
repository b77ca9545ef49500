"""The placement domain's tables: one module per part, all imported here."""

from .rent_limits import HouseholdNeeds, RentLimit

__all__ = ["HouseholdNeeds", "RentLimit"]
