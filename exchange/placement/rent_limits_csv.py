"""The import of rent and size limits from CSV: a district's tables as its guideline
publishes them, one row per municipality, household size and valid-from date.

Read like the registry import: the encoding told by exchange.spreadsheet_encoding (UTF-8
with or without BOM, Windows-1252, UTF-16), `;`, `,` or tab separated, German or English
headers, cells restored with exchange.spreadsheet_csv (the app's own exports read back).
Any bad row: nothing is written and the report names each row (the file's line) and field.

A row whose household size says "each further person" ("jede weitere Person", "weitere",
"+1") gives the increment for the sizes above the largest size of its table.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, ClassVar

from exchange.errors import Text
from exchange.profiles.models import User
from exchange.spreadsheet_csv import restore
from exchange.spreadsheet_encoding import UTF8, DecodingReader, ReadReport

from . import rent_limits
from .models.rent_limits import MAX_HOUSEHOLD_SIZE

MAX_ROWS = 10_000
MAX_ERRORS = 200
#: Header names besides the column's own (compared after normalise_header), German first.
HEADER_ALIASES = {
    "municipality": ("gemeinde", "kommune", "ags", "gemeindeschluessel", "stadt",
                     "vergleichsraum", "municipality_id"),
    "household_size": ("haushaltsgroesse", "personen", "personenzahl", "haushalt",
                       "persons", "household"),
    "valid_from": ("gueltig_ab", "gueltigkeit", "ab", "stichtag", "from"),
    "max_gross_rent": ("bruttokaltmiete", "hoechstbetrag", "miete", "max_miete",
                       "gross_cold_rent", "rent"),
    "max_area_m2": ("wohnflaeche", "flaeche", "max_flaeche", "wohnflaeche_m2", "area",
                    "area_m2", "max_area"),
}
COLUMNS = tuple(HEADER_ALIASES)
_COLUMN_OF_HEADER = {alias: column for column, aliases in HEADER_ALIASES.items()
                     for alias in (column, *aliases)}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "²": "2"})
_SEPARATORS = re.compile(r"[\s_.\-/()]+")
FURTHER_PERSON = frozenset({"jede weitere person", "jede weitere", "weitere", "weitere person",
                            "each further person", "each further", "further", "+1", "+"})
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_AGS = re.compile(r"^\d{8}$")


@dataclass
class LimitImportReport(ReadReport):
    max_errors: ClassVar[int] = MAX_ERRORS
    rows: int = 0
    written: int = 0


def normalise_header(name: str) -> str:
    folded = name.strip().lower().translate(_UMLAUTS)
    return _SEPARATORS.sub("_", folded).strip("_")


def parse_money(text: str) -> Decimal:
    """`512,50`, `1.234,56`, `1234.56` or `512 €` as Decimal."""
    cleaned = text.replace("€", "").replace("EUR", "").replace("m2", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(Text("Not a number (write 512,50 or 512.50).")) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("100000"):
        raise ValueError(Text("Not a plausible amount (above 0, below 100000)."))
    return value.quantize(Decimal("0.01"))


def parse_date(text: str) -> date:
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = match.groups()
    elif match := _GERMAN_DATE.match(text):
        day, month, year = match.groups()
    else:
        raise ValueError(Text("Use YYYY-MM-DD or DD.MM.YYYY."))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(Text("No such day.")) from None


def _municipality_lookup(district_id: int) -> dict[str, int]:
    """A district's municipalities by AGS and by name (lower case)."""
    lookup: dict[str, int] = {}
    for municipality in rent_limits.municipalities_of(district_id):
        lookup[municipality.name.strip().lower()] = municipality.id
        if municipality.ags:
            lookup[municipality.ags] = municipality.id
    return lookup


def _read_rows(stream: IO[bytes], report: LimitImportReport) -> list[tuple[int, dict]]:
    decoding = DecodingReader(stream)
    text = io.TextIOWrapper(io.BufferedReader(decoding), encoding="utf-8", errors="strict",
                            newline="")
    try:
        header_line = text.readline()
        if not header_line.strip():
            report.add_error(1, "file", "The file is empty (a header row is needed).")
            return []
        report.delimiter = max(";,\t", key=header_line.count)
        written = [restore(name).strip().lstrip("\ufeff")
                   for name in next(csv.reader([header_line], delimiter=report.delimiter))]
        header = [_COLUMN_OF_HEADER.get(normalise_header(name), "") for name in written]
        report.headers = {column: name for column, name in zip(header, written, strict=True)
                          if column}
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            report.add_error(1, "header", Text("Missing columns: %(columns)s.",
                                               columns=", ".join(missing)))
            return []
        records = []
        for number, cells in enumerate(csv.reader(text, delimiter=report.delimiter), start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) >= MAX_ROWS:
                report.add_error(number, "file", Text("At most %(limit)s rows.", limit=MAX_ROWS))
                break
            records.append((number, {column: restore(cell).strip()
                                     for column, cell in zip(header, cells, strict=False)
                                     if column}))
    except UnicodeDecodeError as exc:
        report.add_error(0, "file", Text("Not %(encoding)s text: save it as CSV UTF-8.",
                                         encoding=exc.encoding))
        return []
    finally:
        report.encoding = decoding.encoding or UTF8
    return records


def check_rows(district_id: int, records: list[tuple[int, dict]],
               report: LimitImportReport) -> list[dict]:
    """The limits the rows give (further-person rows folded into their table's largest
    size), or [] after adding every bad row's errors to the report."""
    municipalities = _municipality_lookup(district_id)
    limits: dict[tuple, dict] = {}
    further: dict[tuple, tuple[int, Decimal, Decimal]] = {}
    for number, record in records:
        values: dict = {}
        for name in COLUMNS:
            if not record.get(name):
                report.add_error(number, name, "Missing data for required field.")
        key = record.get("municipality", "")
        values["municipality_id"] = municipalities.get(key if _AGS.match(key) else key.lower())
        if key and values["municipality_id"] is None:
            report.add_error(number, "municipality",
                             "No municipality of this district has this AGS or name.")
        size_text = record.get("household_size", "").lower()
        size: int | None = None
        if size_text and size_text not in FURTHER_PERSON:
            if size_text.isdigit() and 1 <= int(size_text) <= MAX_HOUSEHOLD_SIZE:
                size = int(size_text)
            else:
                report.add_error(number, "household_size", Text(
                    "Use a number from 1 to %(max)s, or \"jede weitere Person\".",
                    max=MAX_HOUSEHOLD_SIZE))
        for name, parse in (("valid_from", parse_date), ("max_gross_rent", parse_money),
                            ("max_area_m2", parse_money)):
            if record.get(name):
                try:
                    values[name] = parse(record[name])
                except ValueError as exc:
                    report.add_error(number, name, exc.args[0])
        further_row = size_text in FURTHER_PERSON
        if len(values) < 4 or values["municipality_id"] is None or (size is None
                                                                    and not further_row):
            continue
        table = (values["municipality_id"], values["valid_from"])
        if further_row:
            if table in further:
                report.add_error(number, "household_size",
                                 "This table has an increment for each further person already.")
            further[table] = (number, values["max_gross_rent"], values["max_area_m2"])
            continue
        if (*table, size) in limits:
            report.add_error(number, "household_size",
                             "This household size is named twice for this municipality and day.")
        limits[(*table, size)] = {**values, "household_size": size,
                                  "further_person_rent": None, "further_person_area_m2": None}
    for table, (number, rent, area) in further.items():
        sizes = [size for (m, day, size) in limits if (m, day) == table]
        if not sizes:
            report.add_error(number, "household_size",
                             "An increment for each further person needs a row of a size.")
            continue
        largest = limits[(*table, max(sizes))]
        largest["further_person_rent"], largest["further_person_area_m2"] = rent, area
    return [] if report.errors else list(limits.values())


def import_limits(user: User, district_id: int, stream: IO[bytes]) -> LimitImportReport:
    """Read a CSV of limits and write them (each table of the file replaces the district's
    table of that municipality and day); any bad row: nothing is written."""
    rent_limits.get_district_for(user, district_id)
    report = LimitImportReport()
    records = _read_rows(stream, report)
    report.rows = len(records)
    if report.errors:
        return report
    if not records:
        report.add_error(2, "file", "The file has no rows of limits.")
        return report
    rows = check_rows(district_id, records, report)
    if report.ok:
        report.written = rent_limits.replace_tables(user, district_id, rows)
    return report
