"""Dates for tests, built from today so that every test holds on any day (see
scripts/test-any-day.sh, which runs the suite with the clock moved a year either way)."""

from __future__ import annotations

from datetime import date, timedelta


def day(offset: int) -> date:
    """Today moved by `offset` days (negative: in the past)."""
    return date.today() + timedelta(days=offset)


def iso(offset: int) -> str:
    """The same day as ISO 8601 text, as forms and JSON bodies carry it."""
    return day(offset).isoformat()
