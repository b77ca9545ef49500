"""Full-text search over the messages one may read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from exchange.chat.access import readable_room_ids
from exchange.chat.messages import with_documents
from exchange.chat.models import Message
from exchange.extensions import db
from exchange.pagination import Page, encode_cursor, id_cursor
from exchange.profiles import authz
from exchange.profiles.models import User
from exchange.text_search import text_match


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
    match = text_match(Message.search, Message.body, q)
    stmt = select(Message, match.rank).where(
        match.condition,
        Message.deleted_at.is_(None),
        Message.room_id.in_(readable_room_ids(user)),
    )
    if room_id is not None:
        stmt = stmt.where(Message.room_id == room_id)
    offset = id_cursor(cursor) if cursor else 0
    rows = db.session.execute(
        with_documents(stmt.order_by(*match.order, Message.id.desc()))
        .offset(offset)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    hits = [SearchHit(message, float(score)) for message, score in rows[:limit]]
    return Page(hits, encode_cursor([offset + limit]) if more else None)
