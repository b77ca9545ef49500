"""Photos and documents on a listing: attach, detach, list; and who may read them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from exchange.db import utcnow
from exchange.documents import services as documents
from exchange.documents.filetypes import IMAGE_TYPES
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.profiles.models import User

from .access import lock_listing_for, may_manage, visible_clause
from .models import AttachmentKind, Listing, ListingDocument
from .operations import announce

#: Files one listing may carry (photos and documents together).
MAX_LISTING_DOCUMENTS = 30


def listing_viewers_read_documents(user: User, document_id: int) -> bool:
    """A document attached to a listing is readable by whoever may see that listing."""
    return (
        db.session.scalar(
            select(ListingDocument.listing_id)
            .join(Listing, Listing.id == ListingDocument.listing_id)
            .where(ListingDocument.document_id == document_id, visible_clause(user))
            .limit(1)
        )
        is not None
    )


def listing_documents(listing: Listing) -> list[ListingDocument]:
    """The files attached to a listing, in the order they were attached."""
    return list(
        db.session.scalars(
            select(ListingDocument)
            .where(ListingDocument.listing_id == listing.id)
            .options(joinedload(ListingDocument.document, innerjoin=True))
            .order_by(ListingDocument.position, ListingDocument.document_id)
        )
    )


def attach_document(actor: User, listing_id: int, document_id: int, kind: str) -> ListingDocument:
    """Attach a document to a listing as a photo or a document (who may edit the listing).

    The actor must be able to read the document (their own upload, usually): anything else
    is a 422 on ``document_id``, so nobody gains access to a file by attaching its id. A
    photo must be an image of an allow-listed type (told by content when it was uploaded).
    """
    listing = lock_listing_for(actor, listing_id)
    if not may_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    if kind not in {k.value for k in AttachmentKind}:
        raise InvalidInput({"kind": "Use photo or document."})
    (document,) = documents.get_attachable(actor, [document_id], field="document_id")
    if kind == AttachmentKind.PHOTO and document.content_type not in IMAGE_TYPES:
        raise InvalidInput(
            {"kind": "Only images (PNG, JPEG, GIF or WebP) can be photos; "
                     "attach this file as a document."}
        )
    # The listing's row lock serialises attaching, so these counts cannot go stale.
    attached, last_position = db.session.execute(
        select(func.count(), func.max(ListingDocument.position)).where(
            ListingDocument.listing_id == listing.id
        )
    ).one()
    if db.session.get(ListingDocument, (listing.id, document.id)) is not None:
        message = "This document is attached to the listing already."
        raise Conflict(message, field="document_id")
    if attached >= MAX_LISTING_DOCUMENTS:
        message = Text("A listing holds at most %(n)d files.", n=MAX_LISTING_DOCUMENTS)
        raise Conflict(message, field="document_id")
    attachment = ListingDocument(
        listing_id=listing.id,
        document_id=document.id,
        kind=kind,
        position=(last_position if last_position is not None else -1) + 1,
        document=document,
    )
    db.session.add(attachment)
    listing.updated_at = utcnow()
    db.session.flush()
    announce(listing, "updated", previous_status=listing.status)
    return attachment


def detach_document(actor: User, listing_id: int, document_id: int) -> None:
    """Take a file off a listing (who may edit it); the document itself stays its
    uploader's. 404 when it is not attached."""
    listing = lock_listing_for(actor, listing_id)
    if not may_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    attachment = db.session.get(ListingDocument, (listing.id, document_id))
    if attachment is None:
        raise NotFound()
    db.session.delete(attachment)
    listing.updated_at = utcnow()
    db.session.flush()
    announce(listing, "updated", previous_status=listing.status)
