"""Telling the encodings spreadsheets save CSV in apart while streaming."""

from __future__ import annotations

import io

import pytest

from exchange import spreadsheet_encoding
from exchange.spreadsheet_encoding import DecodingReader

TEXT = "Familienname;Vorname\r\nMüller;Jörg\r\nWeiß;Käthe\r\n"


def read(data: bytes, buffer_size: int = 8192) -> tuple[str, DecodingReader]:
    reader = DecodingReader(io.BytesIO(data))
    stream = io.TextIOWrapper(io.BufferedReader(reader, buffer_size), encoding="utf-8",
                              newline="")
    return stream.read(), reader


@pytest.mark.parametrize(("data", "encoding", "bom"), [
    (TEXT.encode(), "utf-8", False),
    (b"\xef\xbb\xbf" + TEXT.encode(), "utf-8", True),
    (TEXT.encode("cp1252"), "windows-1252", False),
    (TEXT.encode("utf-16"), "utf-16", True),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16", True),
    (b"abc;def\n", None, False),
    (b"", None, False),
])
def test_encodings_are_told_and_read(data, encoding, bom):
    text, reader = read(data)
    assert text == data.decode(reader.encoding or "ascii").lstrip("\ufeff")
    assert (reader.encoding, reader.bom) == (encoding, bom)


def test_a_late_first_umlaut_decides_even_across_chunks(monkeypatch):
    monkeypatch.setattr(spreadsheet_encoding, "_CHUNK", 16)
    for padding in range(12, 20):  # the umlaut's bytes on either side of a chunk's end
        for codec, encoding in (("utf-8", "utf-8"), ("cp1252", "windows-1252")):
            data = ("x" * padding + "Jörg\n").encode(codec)
            text, reader = read(data, buffer_size=5)
            assert (text, reader.encoding) == ("x" * padding + "Jörg\n", encoding)


def test_bytes_the_decided_encoding_cannot_read_raise_naming_it():
    with pytest.raises(UnicodeDecodeError) as utf8:
        read("Jörg\n".encode() + "Käthe\n".encode("cp1252"))
    assert utf8.value.encoding == "UTF-8"
    with pytest.raises(UnicodeDecodeError) as cp1252:
        read("Jörg\n".encode("cp1252") + b"\x81\n")
    assert cp1252.value.encoding == "Windows-1252"
