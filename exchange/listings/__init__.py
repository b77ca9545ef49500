"""Listings: flats and free beds on the shared map (see DESIGN.md).

access (who sees and manages what), operations (create, edit, the status machine),
registry_sync (capacity's beds listings), expiry (the heartbeat), filters and search (the
map's search), clusters, saved_searches, attachments, notices (what the inbox says), ogc,
events (what sockets hear).
"""

from __future__ import annotations

from flask import Flask

from exchange.documents import services as documents
from exchange.listings import attachments, events, notices


def init_app(app: Flask) -> None:
    """Connect what listings give the layers below: socket events and rooms, the inbox's
    listing kinds, and read access to the files attached to listings."""
    events.register()
    notices.register()
    documents.register_reader(attachments.listing_viewers_read_documents)
