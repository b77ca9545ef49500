"""Full-text search over the messages one may read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from exchange.chat.access import readable_room_ids
from exchange.chat.messages import with_documents
from exchange.chat.models import Message
from exchange.pagination import Page, id_cursor
from exchange.profiles import authz
from exchange.profiles.models import User
from exchange.text_search import search_page


@dataclass
class SearchHit:
    message: Message
    rank: float

    def __getattr__(self, name: str) -> Any:
        return getattr(self.message, name)


def search_messages(
    user: User, q: str, room_id: int | None, limit: int, cursor: str | None
) -> Page:
    """German full-text search over the messages of rooms the user may read, best first.

    `websearch_to_tsquery` takes what people type ("Unterkunft -Zelt", quoted phrases);
    German stemming finds other forms of a word ("Unterkünfte" for "Unterkunft"); a
    trigram fallback finds parts of compounds ("Kaution" in "Mietkaution"), ranked after
    the full-text matches (exchange.text_search).
    """
    authz.require_user(user)
    stmt = select(Message).where(
        Message.deleted_at.is_(None),
        Message.room_id.in_(readable_room_ids(user)),
    )
    if room_id is not None:
        stmt = stmt.where(Message.room_id == room_id)
    offset = id_cursor(cursor) if cursor else 0
    page = search_page(with_documents(stmt), Message.search, Message.body, q,
                       Message.id.desc(), limit, offset)
    return Page([SearchHit(message, rank) for message, rank in page.items], page.next_cursor)
