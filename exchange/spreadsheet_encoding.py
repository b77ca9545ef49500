"""The encodings spreadsheets save CSV in, told apart while the file streams by.

Offices export with Excel: "CSV UTF-8" starts with a byte order mark, plain "CSV
(Trennzeichen-getrennt)" is Windows-1252 on a German Windows, "Unicode-Text" is UTF-16
with a BOM; other tools write UTF-8 without one. A BOM decides. Without one the first
byte that is not ASCII decides (ASCII reads the same in all of them): if it starts a
valid UTF-8 sequence the file is UTF-8, otherwise Windows-1252. German text in
Windows-1252 is practically never valid UTF-8 (an umlaut there is one byte of 0xC4–0xFC
followed by an ASCII letter, never a continuation byte), and the reverse guess would read
UTF-8's "ü" as "Ã¼". Bytes that the decided encoding cannot read raise UnicodeDecodeError
from read(), like a text stream's strict decoding; its ``encoding`` names the decided one.

The file is read once and never whole: ``DecodingReader`` hands on UTF-8 bytes, so a
TextIOWrapper over it reads every source the same way.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, field
from typing import IO, ClassVar

#: The encodings told apart, as reported (names as in the WHATWG Encoding Standard).
UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
UTF16 = "utf-16"
LABELS = {UTF8: "UTF-8", WINDOWS_1252: "Windows-1252", UTF16: "UTF-16"}

_BOMS = (
    (codecs.BOM_UTF8, UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, UTF16, "utf-16-le"),
    (codecs.BOM_UTF16_BE, UTF16, "utf-16-be"),
)
_CODECS = {UTF8: "utf-8", WINDOWS_1252: "cp1252"}
#: Enough bytes to see a BOM or a whole UTF-8 sequence.
_LOOKAHEAD = 4
_CHUNK = 1 << 16
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _first_non_ascii(data: bytes) -> int:
    """The index of the first byte above 0x7F, or -1."""
    match = _NON_ASCII.search(data)
    return match.start() if match else -1


def _starts_utf8(data: bytes, final: bool) -> bool:
    """Whether ``data`` (starting with a byte above 0x7F) starts with a valid UTF-8
    sequence; a sequence cut off by the end of ``data`` counts as valid unless final."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data[:_LOOKAHEAD], final)
    except UnicodeDecodeError as exc:
        return exc.start > 0
    return True


class DecodingReader(io.RawIOBase):
    """A binary stream of the source's text as UTF-8, its encoding told on the way (see
    the module). ``encoding`` is None until decided (an ASCII file stays undecided and is
    reported as UTF-8); ``bom`` tells whether the file started with one."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.encoding: str | None = None
        self.bom = False
        self._decoder: codecs.IncrementalDecoder | None = None
        self._started = False
        self._pending = b""  # bytes read but not decoded yet (a possible BOM, or undecided)
        self._out = memoryview(b"")
        self._done = False

    @property
    def label(self) -> str:
        """The encoding as people name it ("UTF-8", "Windows-1252", "UTF-16")."""
        return LABELS[self.encoding or UTF8]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._out and not self._done:
            chunk = self.raw.read(_CHUNK)
            final = not chunk
            self._out = memoryview(self._decode(chunk, final).encode("utf-8"))
            self._done = final
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _decode(self, chunk: bytes, final: bool) -> str:
        data = self._pending + chunk
        self._pending = b""
        if not self._started:
            if len(data) < _LOOKAHEAD and not final:
                self._pending = data
                return ""
            self._started = True
            for bom, encoding, codec in _BOMS:
                if data.startswith(bom):
                    self._decide(encoding, codec)
                    self.bom = True
                    data = data[len(bom):]
                    break
        if self._decoder is None:
            first = _first_non_ascii(data)
            if first < 0:
                return data.decode("ascii")
            if len(data) - first < _LOOKAHEAD and not final:
                self._pending = data[first:]  # wait for the whole sequence
                return data[:first].decode("ascii")
            encoding = UTF8 if _starts_utf8(data[first:], final) else WINDOWS_1252
            self._decide(encoding, _CODECS[encoding])
        try:
            return self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            exc.encoding = self.label
            raise

    def _decide(self, encoding: str, codec: str) -> None:
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(codec)("strict")


@dataclass
class ReadReport:
    """How an imported CSV file was read (its encoding, delimiter and each column's header
    as the file writes it) and its bad rows, the first ``max_errors`` of them."""

    max_errors: ClassVar[int] = 1000
    errors: list[dict] = field(default_factory=list)
    more_errors: int = 0
    encoding: str = UTF8
    delimiter: str = ";"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, field_name: str, message: str) -> None:
        """A bad row. The message is English (the CLI prints it as it is); a literal one
        is extracted into the catalogue (exchange.i18n), one with values is a Text."""
        if len(self.errors) < self.max_errors:
            self.errors.append({"row": row, "field": field_name, "message": message,
                                "column": self.headers.get(field_name)})
        else:
            self.more_errors += 1
