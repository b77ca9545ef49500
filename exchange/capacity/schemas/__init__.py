"""Marshmallow schemas of the capacity domain, one module per part of its API:
*Schema dumps (the one source of each answer's shape), *Args loads."""

from __future__ import annotations

from enum import StrEnum

from marshmallow import validate


def one_of(values: type[StrEnum]) -> validate.OneOf:
    """Validates one of an enum's values."""
    return validate.OneOf([v.value for v in values])
