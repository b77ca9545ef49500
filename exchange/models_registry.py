"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from exchange.profiles import models as profiles_models  # noqa: F401
