"""For which household sizes a flat is appropriate: asked of the placement domain, which
keeps the rent and size limits and sits above listings. It registers its answers here once
(exchange.placement.register, at app start), as the documents domain's readers are
registered; until then no flat fits any size.

- ``fits_household_clause(size)``: the SQL condition of the filter `fits_household`;
- ``fits_households(listing)``: the sizes a flat is appropriate for (None for free beds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, false

_clause: Callable[[Any], ColumnElement[bool]] | None = None
_sizes: Callable[[Any], list[int] | None] | None = None


def register(clause: Callable[[Any], ColumnElement[bool]],
             sizes: Callable[[Any], list[int] | None]) -> None:
    """Set the condition of the filter and the sizes of one flat (the placement domain)."""
    global _clause, _sizes
    _clause, _sizes = clause, sizes


def fits_household_clause(size: Any) -> ColumnElement[bool]:
    return _clause(size) if _clause is not None else false()


def fits_households(listing: Any) -> list[int] | None:
    return _sizes(listing) if _sizes is not None else None
