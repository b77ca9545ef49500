"""Stored files: metadata here, bytes content-addressed (sha256) in the store (storage.py):
a folder, or the two blob tables below."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, created_at_column


class Document(Base):
    """One upload. Many documents may share a sha256: the bytes are stored once."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # sha256 of a small JPEG preview, for images only.
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class DocumentBlob(Base):
    """Bytes stored in the database (DOCUMENTS_STORE=database), once per sha256."""

    __tablename__ = "document_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()


class DocumentBlobChunk(Base):
    """One piece of a blob, in order: a download reads them one by one (streamed)."""

    __tablename__ = "document_blob_chunks"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("document_blobs.sha256", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


def attached_document_column() -> Mapped[int]:
    """``document_id`` of a row that attaches a document to something (a message, a
    concept, a listing): part of the row's key, indexed, gone with the document."""
    return mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class HasDocuments:
    """For a model whose ``attachments`` (rows with a ``document``) hold its files in
    order: ``documents`` lists those files."""

    @property
    def documents(self) -> list[Document]:
        return [attachment.document for attachment in self.attachments]
