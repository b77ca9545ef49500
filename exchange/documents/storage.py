"""Content-addressed file store: the bytes of a document live once, under their sha256.

Layout: ``<DOCUMENTS_DIR>/<aa>/<bb>/<sha256>`` where ``aa`` and ``bb`` are the first two
pairs of hex digits (so no directory grows too large). ``DOCUMENTS_DIR`` defaults to
``<instance>/documents``. Uploads are streamed into a temporary file in
``<DOCUMENTS_DIR>/.tmp`` (the same file system, so the final ``os.replace`` is atomic) while
they are hashed and counted; a reader never sees a half-written file, and the same bytes
uploaded twice are stored once.

Only this module knows where bytes live: in that folder (DOCUMENTS_STORE=folder, the
default) or in PostgreSQL (DOCUMENTS_STORE=database, ``database_store``), where every app
machine reads what any of them wrote. Uploads are received into the folder's ``.tmp``
either way (to be hashed, sniffed and previewed before they are kept).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from exchange.errors import PayloadTooLarge, Text

from . import database_store

CHUNK_SIZE = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def documents_dir() -> Path:
    """The root of the store (config DOCUMENTS_DIR, else ``<instance>/documents``)."""
    configured = current_app.config.get("DOCUMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def blob_path(sha256: str) -> Path:
    """Where the bytes with this sha256 live (whether or not they exist yet)."""
    if not _SHA256.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return documents_dir() / sha256[:2] / sha256[2:4] / sha256


def in_database() -> bool:
    """Whether bytes are kept in PostgreSQL (DOCUMENTS_STORE=database)."""
    return current_app.config.get("DOCUMENTS_STORE", "folder") == "database"


def exists(sha256: str) -> bool:
    if in_database():
        return database_store.exists(sha256)
    return blob_path(sha256).is_file()


def open_blob(sha256: str) -> BinaryIO:
    """The stored bytes for reading; FileNotFoundError when they are missing."""
    if in_database():
        return database_store.open_blob(sha256)
    return blob_path(sha256).open("rb")


@dataclass
class PendingBlob:
    """An upload written to a temporary file and hashed, not yet in the store."""

    path: Path
    sha256: str
    size: int

    def head(self, length: int = 4096) -> bytes:
        with self.path.open("rb") as handle:
            return handle.read(length)


def _temp_dir() -> Path:
    directory = documents_dir() / ".tmp"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def receive(stream: BinaryIO, max_bytes: int) -> Iterator[PendingBlob]:
    """Copy a stream into a temporary file in chunks, hashing it on the way.

    Raises PayloadTooLarge as soon as more than ``max_bytes`` have arrived, so an oversized
    upload is never held whole, in memory or on disk. The temporary file is removed when
    the block ends, unless ``commit`` moved it into the store.
    """
    digest = hashlib.sha256()
    size = 0
    descriptor, name = tempfile.mkstemp(dir=_temp_dir(), prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if size > max_bytes:
                    raise file_too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        yield PendingBlob(path=path, sha256=digest.hexdigest(), size=size)
    finally:
        with suppress(FileNotFoundError):
            path.unlink()


def commit(blob: PendingBlob) -> None:
    """Move a received upload into the store under its sha256 (atomic: a rename, or the
    request's transaction). When those bytes are stored already, nothing new is written.
    """
    if in_database():
        database_store.store_file(blob.path, blob.sha256, blob.size)
        return
    target = blob_path(blob.sha256)
    if target.is_file():
        blob.path.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(blob.path, target)


def put_bytes(data: bytes) -> str:
    """Store small bytes made here (a thumbnail) under their sha256; returns the sha256."""
    sha256 = hashlib.sha256(data).hexdigest()
    if in_database():
        database_store.store_bytes(data, sha256)
        return sha256
    target = blob_path(sha256)
    if target.is_file():
        return sha256
    descriptor, name = tempfile.mkstemp(dir=_temp_dir(), prefix="made-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(name, target)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(name)
    return sha256


def file_too_large(max_bytes: int, field: str = "file") -> PayloadTooLarge:
    """The 413 for a file over ``max_bytes``, on its field."""
    return PayloadTooLarge(Text("The file is larger than the limit of %(size)s.",
                                size=_human_size(max_bytes)), field=field)


def _human_size(size: int) -> Text:
    if size >= 1024 * 1024:
        return Text("%(n)s MB", n=float(f"{size / (1024 * 1024):.4g}"))
    if size >= 1024:
        return Text("%(n)s KB", n=float(f"{size / 1024:.4g}"))
    return Text("%(n)s bytes", n=size)
