"""Chat fixtures: rooms, messages and listings made directly in the database."""

from __future__ import annotations

import itertools

import pytest

from exchange.chat.models import Message, Room
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles.models import User

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_documents_dir(documents_dir):
    """Uploaded files of a chat test go under its own tmp_path (tests/conftest.py)."""


@pytest.fixture
def make_message(app):
    """make_message(room, author, body="…", reply_to=None) → Message (flushed)."""

    def make(room: Room, author: User, body: str | None = None,
             reply_to: Message | None = None) -> Message:
        message = Message(room_id=room.id, author_id=author.id,
                          body=body if body is not None else f"Nachricht {next(_counter)}",
                          reply_to_id=reply_to.id if reply_to else None)
        db.session.add(message)
        db.session.flush()
        return message

    return make


@pytest.fixture
def make_listing(app):
    """make_listing(owner, status="published") → a flat of the owner's organisation."""

    def make(owner: User, status: str = "published", title: str = "Wohnung") -> Listing:
        organization_id = owner.memberships[0].organization_id
        listing = Listing(
            kind="flat", status=status, title=title, postal_code="49074", city="Osnabrück",
            location="SRID=4326;POINT(8.04 52.27)", organization_id=organization_id,
            owner_id=owner.id, max_occupants=4,
        )
        db.session.add(listing)
        db.session.flush()
        return listing

    return make
