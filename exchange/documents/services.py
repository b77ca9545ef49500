"""Documents: storing uploads, and deciding who may read them.

Who may read a document:
    the user who uploaded it, and anyone that a *registered reader* lets in.

The documents domain sits below listings, chat and concepts and must not import them. A
domain above attaches documents to its own objects (a message, a listing, a concept) and
tells this module who may read them by registering a reader once, at import time of its
services module::

    from exchange.documents import services as documents

    @documents.register_reader
    def _room_members_read_attachments(user: User, document_id: int) -> bool:
        # True if the user is a member of a room with a message that has the document.
        ...

A reader is called with the signed-in user and a document id. It answers True only if the
user may see an object of its domain that the document is attached to, applying that
domain's own tenancy rules; False (never an exception) otherwise, also for an id it has
never seen. A document nobody lets the user read answers 404, exactly like a missing one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from exchange.documents import filetypes, images, storage
from exchange.documents.models import Document
from exchange.errors import InvalidInput, InvalidUpload, NotFound, Text, UnsupportedMediaType
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import User

log = logging.getLogger(__name__)

ReaderCheck = Callable[[User, int], bool]

_readers: list[ReaderCheck] = []


# --- who may read ------------------------------------------------------------------------


def register_reader(check: ReaderCheck) -> ReaderCheck:
    """Let ``check(user, document_id) -> bool`` grant read access; usable as a decorator.

    Registering the same function twice has no further effect.
    """
    if check not in _readers:
        _readers.append(check)
    return check


def unregister_reader(check: ReaderCheck) -> None:
    """Withdraw a reader registered before (tests; a domain switched off)."""
    if check in _readers:
        _readers.remove(check)


def can_read(user: User, document: Document) -> bool:
    """The uploader may read; anyone else only if a registered reader says so."""
    if document.uploader_id is not None and document.uploader_id == user.id:
        return True
    return any(check(user, document.id) for check in list(_readers))


def get_readable(user: User, document_id: int) -> Document:
    """The document if the user may read it; 404 for a missing one and one out of reach."""
    authz.require_user(user)
    document = db.session.get(Document, document_id)
    if document is None or not can_read(user, document):
        raise NotFound()
    return document


def get_attachable(
    user: User, document_ids: Iterable[int], field: str = "document_ids"
) -> list[Document]:
    """The documents a user may attach to a message, listing or concept, in the given order.

    A user may attach what they can read; any other id (or a missing one) is a 422 on
    ``field``, so that nobody gains access to a document by attaching its id.
    """
    authz.require_user(user)
    wanted = list(dict.fromkeys(document_ids))
    if not wanted:
        return []
    found = {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(wanted)))}
    unreadable = [i for i in wanted if i not in found or not can_read(user, found[i])]
    if unreadable:
        raise InvalidInput(
            {field: Text("Unknown document(s): %(ids)s.",
                         ids=", ".join(str(i) for i in unreadable))}
        )
    return [found[i] for i in wanted]


# --- storing -----------------------------------------------------------------------------


def store_document(user: User, file_storage: FileStorage | None) -> Document:
    """Store an uploaded file and record it as a document of the user (flushed, not committed).

    The upload is streamed to disk while it is hashed; past DOCUMENT_MAX_BYTES it stops
    with 413. Its type is told from its content (see ``filetypes``), anything outside the
    allow-list is 415; an image must also decode (and gets a JPEG thumbnail) or it is 415,
    and one with more pixels than may be decoded (IMAGE_MAX_PIXELS, IMAGE_DECODE_MAX_BYTES)
    is 422, refused from its header.
    Nothing is kept of a refused upload. The same bytes uploaded again make a new row but
    no new file.
    """
    authz.require_user(user)
    if file_storage is None:
        raise InvalidUpload("Missing data for required field.")
    max_bytes = current_app.config["DOCUMENT_MAX_BYTES"]
    with storage.receive(file_storage.stream, max_bytes) as pending:
        if pending.size == 0:
            raise InvalidUpload("The file is empty.")
        content_type = filetypes.detect_content_type(
            pending.path, file_storage.filename, file_storage.mimetype
        )
        if content_type is None:
            raise UnsupportedMediaType(
                Text("This kind of file is not accepted. Allowed: %(allowed)s.",
                     allowed=filetypes.ALLOWED_DESCRIPTION)
            )
        thumbnail_sha256 = None
        if content_type in filetypes.IMAGE_TYPES:
            thumbnail_sha256 = _thumbnail_for(pending, content_type)
        storage.commit(pending)
    document = Document(
        sha256=pending.sha256,
        filename=filetypes.filename_for(file_storage.filename, content_type),
        content_type=content_type,
        size=pending.size,
        uploader_id=user.id,
        thumbnail_sha256=thumbnail_sha256,
    )
    db.session.add(document)
    db.session.flush()
    return document


def _thumbnail_for(pending: storage.PendingBlob, content_type: str) -> str:
    # The same bytes were checked and previewed before: reuse that preview.
    known = db.session.scalar(
        select(Document.thumbnail_sha256)
        .where(Document.sha256 == pending.sha256, Document.thumbnail_sha256.is_not(None))
        .limit(1)
    )
    if known and storage.exists(known):
        return known
    try:
        preview = images.make_thumbnail(
            pending.path, content_type,
            max_pixels=current_app.config["IMAGE_MAX_PIXELS"],
            max_decode_bytes=current_app.config["IMAGE_DECODE_MAX_BYTES"],
        )
    except images.ImageTooLarge as exc:
        raise InvalidUpload(exc.args[0]) from exc
    except images.UnreadableImage as exc:
        raise UnsupportedMediaType(Text("%(problem)s Allowed: %(allowed)s.", problem=exc.args[0],
                                        allowed=filetypes.ALLOWED_DESCRIPTION)) from exc
    return storage.put_bytes(preview)


# --- reading -----------------------------------------------------------------------------


def open_content(document: Document) -> BinaryIO:
    """The document's bytes, opened for reading (the caller closes them).

    Call only with a document from ``get_readable``. Bytes missing from the store are
    logged and answered as 404.
    """
    return _open(document.sha256, document.id)


def thumbnail(document: Document) -> BinaryIO:
    """The JPEG preview of an image document, opened for reading; 404 if it has none."""
    if document.thumbnail_sha256 is None:
        raise NotFound("This document has no thumbnail.")
    return _open(document.thumbnail_sha256, document.id)


def _open(sha256: str, document_id: int) -> BinaryIO:
    try:
        return storage.open_blob(sha256)
    except FileNotFoundError as exc:
        log.error("bytes %s of document %s are missing from the store", sha256, document_id)
        raise NotFound("The file's content is missing.") from exc
