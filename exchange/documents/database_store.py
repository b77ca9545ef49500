"""Document bytes in PostgreSQL (DOCUMENTS_STORE=database): a row per sha256 in
``document_blobs`` and the bytes in ordered 1 MiB rows of ``document_blob_chunks``.

Why: app machines then share nothing but PostgreSQL and Redis (a file uploaded through one
is served by all), and one backup (`exchange backup`, WAL archiving) holds everything.

Writing happens in the request's transaction, so a refused or failed upload leaves nothing.
Two uploads of the same bytes at once: the second's ``INSERT … ON CONFLICT DO NOTHING``
waits for the first transaction; if that commits, the bytes are there and nothing is
written again; if it rolls back, the second writes them. Reading streams one chunk at a
time, each fetched with its own short checkout of a pooled connection, so a slow download
holds no connection between chunks.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import Connection, Engine, select, text

from exchange.extensions import db

from .models import DocumentBlob, DocumentBlobChunk

CHUNK_SIZE = 1 << 20


def _claim(sha256: str, size: int) -> bool:
    """True when this transaction is the one to write these bytes."""
    claimed = db.session.execute(
        text("INSERT INTO document_blobs (sha256, size) VALUES (:sha256, :size)"
             " ON CONFLICT DO NOTHING RETURNING sha256"),
        {"sha256": sha256, "size": size},
    ).first()
    return claimed is not None


def _write_chunk(sha256: str, seq: int, data: bytes) -> None:
    db.session.execute(DocumentBlobChunk.__table__.insert().values(
        sha256=sha256, seq=seq, data=data))


def store_file(path: Path, sha256: str, size: int) -> None:
    """Store a received upload's bytes (unless they are stored already)."""
    if not _claim(sha256, size):
        return
    with path.open("rb") as source:
        seq = 0
        while chunk := source.read(CHUNK_SIZE):
            _write_chunk(sha256, seq, chunk)
            seq += 1


def store_bytes(data: bytes, sha256: str) -> None:
    """Store small bytes made here (a thumbnail)."""
    if _claim(sha256, len(data)):
        for seq, start in enumerate(range(0, len(data), CHUNK_SIZE)):
            _write_chunk(sha256, seq, data[start:start + CHUNK_SIZE])


def exists(sha256: str) -> bool:
    return db.session.get(DocumentBlob, sha256) is not None


class BlobReader(io.RawIOBase):
    """The bytes of one blob, read chunk by chunk as the response is sent."""

    def __init__(self, sha256: str, size: int, bind: Engine | Connection) -> None:
        self.sha256 = sha256
        self.size = size
        self._bind = bind
        self._seq = 0
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        query = select(DocumentBlobChunk.data).where(
            DocumentBlobChunk.sha256 == self.sha256, DocumentBlobChunk.seq == self._seq)
        if isinstance(self._bind, Engine):
            with self._bind.connect() as connection:  # back to the pool at once
                data = connection.execute(query).scalar()
        else:  # a session bound to one connection (the tests' transaction)
            data = self._bind.execute(query).scalar()
        self._seq += 1
        return data or b""

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if not self._buffer:
            self._buffer = self._next_chunk()
        count = min(len(buffer), len(self._buffer))
        buffer[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def open_blob(sha256: str) -> io.BufferedReader:
    """The stored bytes for reading; FileNotFoundError when they are missing."""
    blob = db.session.get(DocumentBlob, sha256)
    if blob is None:
        raise FileNotFoundError(sha256)
    return io.BufferedReader(BlobReader(sha256, blob.size, db.session.get_bind()),
                             buffer_size=CHUNK_SIZE)
