"""German full-text search that also finds the parts of compound words.

PostgreSQL's German configuration stems words ("Bürgschaften" → "burgschaft") but does not
split compounds, so "Kaution" would not find "Mietkaution". A trigram fallback does: a
text also matches when each word of the query (of MIN_PART_LENGTH letters or more, not
negated) is in it as a part of a word, and no negated word is, by pg_trgm's word
similarity (``<%``, at least ``pg_trgm.word_similarity_threshold``, 0.6: "kaution" in
"Mietkaution" is 0.75). A GIN
trigram index on the searched text answers it (migration 0023), beside the tsvector's GIN
index. Full-text matches rank first, by ``ts_rank_cd`` as before, then the texts that only
contain the words as parts, by their mean word similarity; the fallback's query runs only
once the full-text matches run out (search_page). ``searched_text`` must be one
SQL expression (in parentheses if it is an operation: ``<%`` binds tighter than ``||``).

A German compound-splitting dictionary was not chosen: PostgreSQL's ispell template needs
an ispell-format dictionary with compound flags copied into the server's text search
files, which PostgreSQL's packages do not ship and a managed PostgreSQL does not allow.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, and_, func, literal, literal_column, not_, select

from exchange.extensions import db
from exchange.pagination import Page, encode_cursor

SEARCH_CONFIG = "german"
#: Shorter words are parts of too many words to be looked for inside others.
MIN_PART_LENGTH = 4
MAX_PARTS = 8
# websearch_to_tsquery's syntax: "a phrase", -negated, or.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")


def parts_of(q: str) -> tuple[list[str], list[str]]:
    """The words of a web-search query looked for as parts of words, and the negated
    ones (``-word``) that a text matching by parts must not hold: of MIN_PART_LENGTH
    characters or more, lower case, each once; the operator "or" is left out."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for negated, phrase, word in _TOKEN.findall(q):
        if (word or "").lower() == "or":
            continue
        words = [w.lower() for w in _WORD.findall(phrase or word) if len(w) >= MIN_PART_LENGTH]
        (unwanted if negated else wanted).extend(words)
    return list(dict.fromkeys(wanted))[:MAX_PARTS], list(dict.fromkeys(unwanted))[:MAX_PARTS]


def search_page(stmt: Select, search: ColumnElement, searched_text: ColumnElement, q: str,
                tiebreak: ColumnElement, limit: int, offset: int) -> Page:
    """One page of the rows of ``stmt`` (a select of one entity) that match ``q``, as
    (row, rank) pairs, best first, and the offset cursor of the next: first those whose
    tsvector ``search`` matches (websearch syntax), by ``ts_rank_cd`` as before; after
    the last of them those whose ``searched_text`` holds every word of ``q`` at least as
    a part of a word, by word similarity (rank 0). The second query only runs for the
    page on which the full-text matches end, so a search with enough of them costs what
    it always did."""
    query = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), q)
    full_text = search.op("@@", is_comparison=True)(query)
    rank = func.ts_rank_cd(search, query)
    rows = list(db.session.execute(
        stmt.add_columns(rank).where(full_text).order_by(rank.desc(), tiebreak)
        .offset(offset).limit(limit + 1)
    ).all())
    parts, unwanted = parts_of(q)
    if len(rows) <= limit and parts:
        # The full-text matches end on this page: matches by parts fill it up.
        before = offset + len(rows) if rows or not offset else db.session.scalar(
            select(func.count()).select_from(stmt.where(full_text).subquery())
        )
        rows += db.session.execute(
            stmt.add_columns(rank)
            .where(_holds_parts(searched_text, parts, unwanted), not_(full_text))
            .order_by(_similarity(searched_text, parts).desc(), tiebreak)
            .offset(max(offset - before, 0)).limit(limit + 1 - len(rows))
        ).all()
    more = len(rows) > limit
    return Page([(row, float(score)) for row, score in rows[:limit]],
                encode_cursor([offset + limit]) if more else None)


def _holds_parts(searched_text: ColumnElement, parts: list[str],
                 unwanted: list[str]) -> ColumnElement[bool]:
    def holds(word: str) -> ColumnElement[bool]:
        return literal(word).op("<%", is_comparison=True)(searched_text)

    return and_(*map(holds, parts), *(not_(holds(word)) for word in unwanted))


def _similarity(searched_text: ColumnElement, parts: list[str]) -> ColumnElement[float]:
    """The sum of the parts' word similarities (it orders as their mean would)."""
    similarities = [func.word_similarity(part, searched_text) for part in parts]
    total = similarities[0]
    for term in similarities[1:]:
        total = total + term
    return total
