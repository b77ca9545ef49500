"""Which files we accept, told by their content, and what we call them.

The type of an upload is decided by its bytes (magic numbers; for office files the inner
``[Content_Types].xml`` or ``mimetype`` entry of the zip container), never by its name or
the Content-Type the client sent. Only within plain text does a hint choose the subtype:
UTF-8 text named ``*.csv`` (or sent as ``text/csv``) that reads as delimited rows is stored
as ``text/csv``; both are harmless as text.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from exchange.errors import Text

MAX_FILENAME_LENGTH = 255
FALLBACK_FILENAME = "file"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    #: extensions that fit this type; the first is added to a name that has none of them
    extensions: tuple[str, ...]


ALLOWED: dict[str, FileType] = {
    t.content_type: t
    for t in (
        FileType(PDF, "PDF", ("pdf",)),
        FileType(PNG, "PNG", ("png",)),
        FileType(JPEG, "JPEG", ("jpg", "jpeg", "jpe", "jfif")),
        FileType(GIF, "GIF", ("gif",)),
        FileType(WEBP, "WebP", ("webp",)),
        FileType(TEXT, "text", ("txt", "text", "md", "log", "csv", "tsv")),
        FileType(CSV, "CSV", ("csv",)),
        FileType(DOCX, "Word (DOCX)", ("docx",)),
        FileType(XLSX, "Excel (XLSX)", ("xlsx",)),
        FileType(ODT, "OpenDocument text (ODT)", ("odt",)),
        FileType(ODS, "OpenDocument spreadsheet (ODS)", ("ods",)),
    )
}
IMAGE_TYPES = frozenset({PNG, JPEG, GIF, WEBP})

ALLOWED_DESCRIPTION = Text("PDF, PNG, JPEG, GIF, WebP, UTF-8 text, CSV, DOCX, XLSX, ODT or ODS")

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_ZIP_SIGNATURE = b"PK\x03\x04"

# The main part of an OOXML package names what it is; macro-enabled and template
# variants have other names and are not accepted.
_OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_ODF_MIMETYPES = {ODT.encode(): ODT, ODS.encode(): ODS}
_CONTENT_TYPE_ATTRIBUTE = re.compile(rb"""ContentType\s*=\s*["']([^"']+)["']""")
# Inner entries are small; reading more would only help a zip bomb.
_MAX_MANIFEST_BYTES = 1024 * 1024

_CSV_HINT_TYPES = {"text/csv", "application/csv", "text/comma-separated-values"}
# Text that a browser or a shell would run rather than show: markup and scripts.
_ACTIVE_TEXT = re.compile(r"^(?:<[A-Za-z!?/]|#!)")


def detect_content_type(
    path: Path, filename: str | None = None, declared_type: str | None = None
) -> str | None:
    """The allowed content type of the file at ``path``, or None if it is not allowed.

    ``filename`` and ``declared_type`` only pick CSV over plain text for text content.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(_ZIP_SIGNATURE):
        return _office_type(path)
    if _is_plain_text(path):
        if _looks_like_csv(path, filename, declared_type):
            return CSV
        return TEXT
    return None


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    with archive.open(name) as member:
        data = member.read(_MAX_MANIFEST_BYTES + 1)
    return data if len(data) <= _MAX_MANIFEST_BYTES else None


def _office_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                value = _read_member(archive, "mimetype")
                return _ODF_MIMETYPES.get(value.strip()) if value else None
            if "[Content_Types].xml" in names:
                manifest = _read_member(archive, "[Content_Types].xml")
                if manifest is None:
                    return None
                declared = set(_CONTENT_TYPE_ATTRIBUTE.findall(manifest))
                for main_part, content_type in _OOXML_MAIN_PARTS.items():
                    if main_part in declared:
                        return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
            NotImplementedError, ValueError, zlib.error):
        # Broken, encrypted or exotic archives are not among the types we take.
        return None
    return None


def _is_plain_text(path: Path) -> bool:
    """UTF-8 throughout, no NUL byte, and not markup or a script."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = ""
    with path.open("rb") as handle:
        while chunk := handle.read(64 * 1024):
            if b"\x00" in chunk:
                return False
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            if len(start) < 64:
                start += text[:64]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not _ACTIVE_TEXT.match(start.lstrip("\ufeff \t\r\n\f"))


def _looks_like_csv(path: Path, filename: str | None, declared_type: str | None) -> bool:
    hinted = (filename or "").lower().endswith(".csv") or (
        (declared_type or "").split(";")[0].strip().lower() in _CSV_HINT_TYPES
    )
    if not hinted:
        return False
    with path.open("rb") as handle:
        sample = handle.read(16 * 1024).decode("utf-8", errors="ignore")
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        sample = "\n".join(lines[:-1])  # the last line may be cut off
    try:
        csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return False
    return True


# --- names -----------------------------------------------------------------------------

_RESERVED_CHARACTERS = set('<>:"|?*')


def sanitise_filename(name: str | None) -> str:
    """A file name safe to store and to send back in Content-Disposition.

    Keeps the last path part only, drops control and format characters (including
    direction overrides that could disguise an extension), replaces characters that
    Windows refuses with ``_``, trims spaces and dots at both ends and shortens to 255
    characters keeping the extension. Letters of any script (ä, ß, ...) stay. Nothing
    left gives ``file``.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("C"):
            continue
        if char in _RESERVED_CHARACTERS:
            kept.append("_")
        elif category.startswith("Z"):
            kept.append(" ")
        else:
            kept.append(char)
    name = re.sub(r" {2,}", " ", "".join(kept)).strip(" .")
    if not name:
        return FALLBACK_FILENAME
    return _shorten(name)


def _shorten(name: str) -> str:
    if len(name) <= MAX_FILENAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and 0 < len(extension) <= 16:
        room = MAX_FILENAME_LENGTH - len(extension) - 1
        return stem[:room].rstrip(" .") + "." + extension
    return name[:MAX_FILENAME_LENGTH].rstrip(" .")


def filename_for(name: str | None, content_type: str) -> str:
    """The sanitised name, with an extension that fits the content type.

    A PNG sent as ``scan.pdf`` becomes ``scan.pdf.png``: whoever downloads it opens it as
    what it is, and text can never be saved as ``.html``.
    """
    name = sanitise_filename(name)
    file_type = ALLOWED[content_type]
    _stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in file_type.extensions:
        return name
    suffix = "." + file_type.extensions[0]
    if len(name) + len(suffix) <= MAX_FILENAME_LENGTH:
        return name + suffix
    return name[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(" .") + suffix
