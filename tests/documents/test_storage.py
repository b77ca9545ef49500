"""The content-addressed store, type detection by content, file names and thumbnails."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from exchange.documents import filetypes, images, storage
from exchange.errors import PayloadTooLarge
from tests.documents.samples import (
    DOCM_MAIN,
    DOCX_MAIN,
    ELF_BYTES,
    HTML_BYTES,
    PDF_BYTES,
    PE_BYTES,
    XLSX_MAIN,
    files_under,
    image_bytes,
    odf_bytes,
    ooxml_bytes,
    plain_zip_bytes,
)


def _store(data: bytes, max_bytes: int = 10_000_000) -> storage.PendingBlob:
    with storage.receive(io.BytesIO(data), max_bytes) as pending:
        storage.commit(pending)
    return pending


# --- the store ---------------------------------------------------------------------------


def test_bytes_land_under_their_sha256_in_two_levels(ctx, documents_dir):
    data = b"Belegungsplan Turnhalle\n"
    pending = _store(data)
    sha = hashlib.sha256(data).hexdigest()
    assert pending.sha256 == sha and pending.size == len(data)
    path = documents_dir / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert files_under(documents_dir) == [path]  # no temporary file left behind


def test_the_same_bytes_are_stored_once(ctx, documents_dir):
    first = _store(b"same")
    second = _store(b"same")
    assert first.sha256 == second.sha256
    assert len(files_under(documents_dir)) == 1


def test_an_oversized_stream_stops_at_the_limit_and_leaves_nothing(ctx, documents_dir):
    class Endless(io.RawIOBase):
        """A stream that never ends, counting what was taken from it."""

        served = 0

        def read(self, size=-1):
            self.served += size
            return b"x" * size

    stream = Endless()
    with pytest.raises(PayloadTooLarge) as raised, storage.receive(stream, 100_000):
        pass
    assert str(raised.value) == "The file is larger than the limit of 97.66 KB."  # the source
    assert raised.value.message == "Die Datei ist größer als die Obergrenze von 97,66 KB."
    assert raised.value.errors == {"files": {"file": [raised.value.message]}}
    assert stream.served <= 100_000 + storage.CHUNK_SIZE
    assert files_under(documents_dir) == []


def test_a_refused_upload_leaves_no_temporary_file(ctx, documents_dir):
    with pytest.raises(RuntimeError), storage.receive(io.BytesIO(b"abc"), 100):
        raise RuntimeError("refused after reading")
    assert files_under(documents_dir) == []


def test_put_bytes_is_idempotent(ctx, documents_dir):
    sha = storage.put_bytes(b"thumb")
    assert storage.put_bytes(b"thumb") == sha
    assert storage.open_blob(sha).read() == b"thumb"
    assert len(files_under(documents_dir)) == 1


def test_blob_path_takes_only_a_sha256(ctx):
    with pytest.raises(ValueError):
        storage.blob_path("../../etc/passwd")


def test_default_folder_is_in_the_instance(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", None)
    assert storage.documents_dir() == Path(app.instance_path) / "documents"


# --- types, by content -------------------------------------------------------------------


def _detect(tmp_path: Path, data: bytes, filename: str = "upload.bin",
            declared: str | None = None) -> str | None:
    path = tmp_path / "sample"
    path.write_bytes(data)
    return filetypes.detect_content_type(path, filename, declared)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, "application/pdf"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        ("Grüße aus Köln\n".encode(), "text/plain"),
        ("\ufeffmit BOM\n".encode(), "text/plain"),
        (ooxml_bytes(DOCX_MAIN), filetypes.DOCX),
        (ooxml_bytes(XLSX_MAIN), filetypes.XLSX),
        (odf_bytes(filetypes.ODT), filetypes.ODT),
        (odf_bytes(filetypes.ODS), filetypes.ODS),
    ],
)
def test_allowed_types_are_told_by_content(tmp_path, data, expected):
    assert _detect(tmp_path, data) == expected


@pytest.mark.parametrize(
    "data",
    [
        ELF_BYTES,
        PE_BYTES,
        HTML_BYTES,
        b"  \n<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<?xml version='1.0'?><x/>",
        b"#!/bin/sh\nrm -rf /\n",
        "latin-1: Gr\xfc\xdfe".encode("latin-1"),
        "UTF-16 text".encode("utf-16"),
        b"text with a \x00 in it",
        "cut in the middle: ä".encode()[:-1],
        ooxml_bytes(DOCM_MAIN),
        odf_bytes("application/vnd.oasis.opendocument.presentation"),
        plain_zip_bytes(),
        b"PK\x03\x04 not really a zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,  # old binary Office / encrypted
    ],
)
def test_anything_else_is_refused(tmp_path, data):
    assert _detect(tmp_path, data, filename="harmless.pdf", declared="application/pdf") is None


def test_text_is_read_to_its_end_across_chunks(tmp_path):
    # A multi-byte character right on the 64 KiB boundary is still valid UTF-8 ...
    data = b"a" * (64 * 1024 - 1) + "ß".encode() + b"\n"
    assert _detect(tmp_path, data) == "text/plain"
    # ... and a NUL far behind the first kilobytes is still found.
    assert _detect(tmp_path, b"a" * 200_000 + b"\x00") is None


def test_name_or_header_picks_csv_only_for_delimited_text(tmp_path):
    table = "Ort;Betten;frei\nKöln;120;14\nBonn;80;3\n".encode()
    assert _detect(tmp_path, table, "belegung.csv") == "text/csv"
    assert _detect(tmp_path, table, "upload", declared="text/csv") == "text/csv"
    assert _detect(tmp_path, table, "belegung.txt") == "text/plain"
    assert _detect(tmp_path, b"just one sentence", "notes.csv") == "text/plain"
    assert _detect(tmp_path, PDF_BYTES, "table.csv", declared="text/csv") == "application/pdf"


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bericht März – Straße.pdf", "Bericht März – Straße.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\amt\\Belegung.xlsx", "Belegung.xlsx"),
        ("a\x00b\r\n\t.txt", "ab.txt"),
        ("rechnung\u202efdp.exe", "rechnungfdp.exe"),  # no right-to-left override
        ('a<b>:"c|?*.txt', "a_b___c___.txt"),
        ("  viel   Platz\u00a0 .txt ", "viel Platz .txt"),
        (".htaccess", "htaccess"),
        ("", "file"),
        ("..", "file"),
        ("/", "file"),
        (None, "file"),
        ("\x01\x02", "file"),
        ("Cafe\u0301.txt", "Café.txt"),  # NFC
    ],
)
def test_sanitise_filename(raw, expected):
    assert filetypes.sanitise_filename(raw) == expected


def test_long_names_are_cut_to_255_keeping_the_extension():
    name = filetypes.sanitise_filename("ä" * 300 + ".pdf")
    assert len(name) == 255 and name.endswith("ää.pdf")


def test_the_extension_is_made_to_fit_the_content():
    assert filetypes.filename_for("scan.pdf", "image/png") == "scan.pdf.png"
    assert filetypes.filename_for("Foto.JPG", "image/jpeg") == "Foto.JPG"
    assert filetypes.filename_for("notes.html", "text/plain") == "notes.html.txt"
    assert filetypes.filename_for("", "application/pdf") == "file.pdf"
    long = filetypes.filename_for("x" * 255, "image/png")
    assert len(long) == 255 and long.endswith("x.png")


# --- thumbnails --------------------------------------------------------------------------


def _thumbnail(tmp_path: Path, data: bytes, content_type: str) -> Image.Image:
    path = tmp_path / "image"
    path.write_bytes(data)
    return Image.open(io.BytesIO(images.make_thumbnail(path, content_type)))


@pytest.mark.parametrize(
    ("data", "content_type", "expected_size"),
    [
        (image_bytes("PNG", (1000, 600)), "image/png", (320, 192)),
        (image_bytes("JPEG", (300, 900)), "image/jpeg", (107, 320)),
        (image_bytes("PNG", (50, 40), mode="RGBA"), "image/png", (50, 40)),
        (image_bytes("GIF", (640, 640), mode="P"), "image/gif", (320, 320)),
        (image_bytes("WEBP", (800, 400)), "image/webp", (320, 160)),
        (image_bytes("PNG", (64, 64), mode="I;16"), "image/png", (64, 64)),
    ],
)
def test_thumbnails_are_small_jpegs(tmp_path, data, content_type, expected_size):
    thumbnail = _thumbnail(tmp_path, data, content_type)
    assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
    assert thumbnail.size == expected_size


def test_transparent_areas_become_white(tmp_path):
    transparent = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    out = io.BytesIO()
    transparent.save(out, "PNG")
    thumbnail = _thumbnail(tmp_path, out.getvalue(), "image/png")
    assert min(thumbnail.getpixel((10, 10))) > 245


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: show rotated by 90°
    data = image_bytes("JPEG", (400, 200), exif=exif.tobytes())
    assert _thumbnail(tmp_path, data, "image/jpeg").size == (160, 320)


def test_a_broken_image_is_unreadable(tmp_path):
    truncated = image_bytes("PNG", (200, 200))[:120]
    with pytest.raises(images.UnreadableImage):
        _thumbnail(tmp_path, truncated, "image/png")
    with pytest.raises(images.UnreadableImage):
        _thumbnail(tmp_path, b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "image/png")


def test_decompression_bombs_are_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(
        images.UnreadableImage, match="too many pixels"
    ):
        _thumbnail(tmp_path, image_bytes("PNG", (120, 120)), "image/png")
    with pytest.raises(images.UnreadableImage, match="too many pixels"):
        _thumbnail(tmp_path, image_bytes("PNG", (300, 300)), "image/png")
    assert _thumbnail(tmp_path, image_bytes("PNG", (100, 100)), "image/png").size == (100, 100)
