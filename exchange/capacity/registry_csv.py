"""The state system's registry CSV (API.md "Registry CSV"): its columns, the checks of
each record, and the import's report. The columns are the registry's person fields
(models.PERSON_FIELDS) that the state system keeps, the household named by its ref."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, ClassVar

from exchange import spreadsheet_csv
from exchange.errors import Text
from exchange.i18n import N_
from exchange.spreadsheet_encoding import ReadReport

from .models import PERSON_FIELDS, Gender

#: Columns the file may leave out (then the registry keeps its values).
OPTIONAL_COLUMNS = ("religion", "profession")
#: The registry CSV's columns (API.md), in the order the changes export writes them.
COLUMNS = (
    *(name for name in PERSON_FIELDS
      if name not in (*OPTIONAL_COLUMNS, "health_notes", "household_id")),
    "household_ref",
)
#: The persons' columns the file fills (the household's id found by its ref).
PERSON_COLUMNS = tuple(
    "household_id" if name == "household_ref" else name for name in (*COLUMNS, *OPTIONAL_COLUMNS)
)
REQUIRED_VALUES = ("external_id", "family_name", "gender")
MAX_LENGTHS = {
    "external_id": 64,
    "family_name": 200,
    "given_names": 200,
    "household_ref": 64,
    "religion": 100,
    "profession": 200,
}
MAX_ERRORS = 1000
#: Header names besides the column's own, as offices' exports write them (German first;
#: compared after normalise_header). The table in docs/decisions/capacity.md lists them.
HEADER_ALIASES = {
    "external_id": ("aktenzeichen", "kennung", "personenkennung", "personennummer",
                    "externe_id", "registriernummer", "file_number"),
    "family_name": ("familienname", "nachname", "last_name", "surname"),
    "given_names": ("vorname", "vornamen", "first_name", "first_names", "given_name"),
    "birth_date": ("geburtsdatum", "geb_datum", "geburtstag", "date_of_birth", "birthdate"),
    "gender": ("geschlecht", "sex"),
    "nationality": ("staatsangehoerigkeit", "nationalitaet", "citizenship"),
    "languages": ("sprachen", "sprache", "sprachkenntnisse", "language"),
    "arrival_date": ("ankunftsdatum", "ankunft", "einreisedatum", "zuzugsdatum",
                     "aufnahmedatum"),
    "household_ref": ("haushalt", "haushaltsnummer", "haushalts_nr", "haushalt_nr",
                      "familiennummer", "household"),
    "religion": ("religionszugehoerigkeit", "konfession"),
    "profession": ("beruf", "occupation"),
}
#: The first alias is the German name the messages give beside the column's own.
GERMAN_NAMES = {column: aliases[0] for column, aliases in HEADER_ALIASES.items()}
_COLUMN_OF_HEADER = {
    alias: column for column, aliases in HEADER_ALIASES.items() for alias in (column, *aliases)
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_HEADER_SEPARATORS = re.compile(r"[\s_.\-/]+")
#: Gender as offices write it (German w/d as well as f/x), compared case-insensitively.
GENDER_VALUES = {
    **dict.fromkeys(("f", "w", "weiblich", "female"), Gender.FEMALE.value),
    **dict.fromkeys(("m", "männlich", "maennlich", "male"), Gender.MALE.value),
    **dict.fromkeys(("x", "d", "divers", "diverse"), Gender.OTHER.value),
}
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
NATIONALITY_CODE = re.compile(r"^[A-Z]{2,3}$")


@dataclass
class ImportReport(ReadReport):
    max_errors: ClassVar[int] = MAX_ERRORS
    import_id: int | None = None
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[dict] = field(default_factory=list)
    sha256: str = ""
    #: Whether the file had a byte order mark.
    bom: bool = False


class CountingReader(io.RawIOBase):
    """A binary stream that counts and hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.raw.read(len(buffer))
        if not chunk:
            return 0
        size = len(chunk)
        buffer[:size] = chunk
        self.bytes_read += size
        self.sha256.update(chunk)
        return size


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# German Excel writes 02.05.1990, or 2.5.1990 in some cell formats.
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _parse_date(value: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY, day and month with or without a leading zero (by
    pattern: strptime is slow at a million rows)."""
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _GERMAN_DATE.match(value)
        if not match:
            raise ValueError(Text("Use YYYY-MM-DD or DD.MM.YYYY."))
        day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(Text("No such day.")) from None


def _today() -> date:
    return date.today()


def check_gender(value: str) -> tuple[str | None, str | None]:
    """A stripped gender cell: (the registry's value, the error); empty is neither."""
    gender = GENDER_VALUES.get(value.lower())
    if value and gender is None:
        return None, N_("Use f or w, m, x or d.")
    return gender, None


def check_date(value: str, today: date) -> tuple[date | None, str | None]:
    """A stripped date cell: (the day, the error); empty is neither. An implausible day
    comes with its error (check_row still compares it with the other date)."""
    if not value:
        return None, None
    try:
        day = _parse_date(value)
    except ValueError as exc:
        return None, exc.args[0]
    if day > today or day.year < 1900:
        return day, N_("Not a plausible date (from 1900 until today).")
    return day, None


def check_nationality(value: str) -> tuple[str | None, str | None]:
    """A stripped nationality cell: (the code, the error); empty is neither."""
    nationality = value.upper()
    if nationality and not NATIONALITY_CODE.match(nationality):
        return None, N_("Use an ISO 3166 country code (two or three letters).")
    return nationality or None, None


def check_languages(value: str) -> tuple[str | None, str | None]:
    """A stripped languages cell: (the codes, space-separated, each once; the error)."""
    languages = value.lower().replace(",", " ").split()
    bad = [code for code in languages if not LANGUAGE_CODE.match(code)]
    if bad:
        return None, Text("Not ISO 639-1 codes: %(codes)s.", codes=" ".join(bad)[:100])
    if len(languages) > 20:
        return None, N_("At most 20 languages.")
    return " ".join(dict.fromkeys(languages)), None


#: The columns checked by their value alone (the bulk path checks each distinct value once).
VALUE_CHECKS = {
    "gender": check_gender,
    "birth_date": lambda value: check_date(value, _today()),
    "arrival_date": lambda value: check_date(value, _today()),
    "nationality": check_nationality,
    "languages": check_languages,
}


def clean_cell(cell: str | None) -> str:
    """A cell as the checks see it: a formula-quoted one restored, stripped."""
    return spreadsheet_csv.restore(cell or "").strip()


def check_row(number: int, record: dict[str, str], report: ImportReport) -> tuple | None:
    """The row as a tuple for COPY, or None after adding its errors to the report. The
    cells are restored (spreadsheet_csv.restore) by the caller."""
    ok = True

    def add_error(name: str, message: str | None) -> None:
        nonlocal ok
        if message:
            ok = False
            report.add_error(number, name, message)

    values = {name: (record.get(name) or "").strip() for name in (*COLUMNS, *OPTIONAL_COLUMNS)}
    for name in REQUIRED_VALUES:
        if not values[name]:
            add_error(name, "Missing data for required field.")
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            add_error(name, Text("Longer than %(limit)s characters.", limit=limit))
    gender, problem = check_gender(values["gender"])
    add_error("gender", problem)
    today = _today()
    dates: dict[str, date | None] = {}
    for name in ("birth_date", "arrival_date"):
        dates[name], problem = check_date(values[name], today)
        add_error(name, problem)
    if (
        dates["birth_date"]
        and dates["arrival_date"]
        and dates["arrival_date"] < dates["birth_date"]
    ):
        add_error("arrival_date", "Not before birth_date.")
    nationality, problem = check_nationality(values["nationality"])
    add_error("nationality", problem)
    languages, problem = check_languages(values["languages"])
    add_error("languages", problem)
    if not ok:
        return None
    return (
        number,
        values["external_id"],
        values["family_name"],
        values["given_names"],
        dates["birth_date"].isoformat() if dates["birth_date"] else None,
        gender,
        nationality,
        languages,
        dates["arrival_date"].isoformat() if dates["arrival_date"] else None,
        values["household_ref"] or None,
        values["religion"] or None,
        values["profession"] or None,
    )


def normalise_header(name: str) -> str:
    """A header compared with HEADER_ALIASES: lower case, umlauts spelled out, spaces,
    dots, hyphens and slashes as one underscore ("Geb.-Datum" → "geb_datum")."""
    folded = name.strip().lower().translate(_UMLAUTS)
    return _HEADER_SEPARATORS.sub("_", folded).strip("_")


def column_of(header: str) -> str:
    """The registry column a header names (German or English), or the header
    normalised when it names none (such columns are ignored)."""
    name = normalise_header(header)
    return _COLUMN_OF_HEADER.get(name, name)


def _named(columns) -> str:
    """Columns as the messages name them: the column with its German header."""
    return ", ".join(
        f"{name} ({GERMAN_NAMES[name].capitalize()})" if name in GERMAN_NAMES else name
        for name in columns
    )


def read_header(text_stream: IO[str], report: ImportReport) -> tuple[list[str], Iterator] | None:
    """The header (registry column names) and the record iterator; None after an error
    about the header. The delimiter is ';', ',' or a tab, whichever the header line holds
    most of (';' when none); headers may be German or English (HEADER_ALIASES)."""
    header_line = text_stream.readline()
    if not header_line.strip():
        report.add_error(1, "file", "The file is empty (a header row is needed).")
        return None
    delimiter = max(";,\t", key=header_line.count)
    written = [name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))]
    header = [column_of(name) for name in written]
    report.delimiter = delimiter
    report.headers = {column: name for column, name in zip(header, written, strict=True)
                      if column}
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        report.add_error(1, "header", Text("Missing columns: %(columns)s.",
                                           columns=_named(missing)))
        return None
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        report.add_error(1, "header", Text("Columns named twice: %(columns)s.",
                                           columns=_named(doubled)))
        return None
    return header, csv.reader(text_stream, delimiter=delimiter)
