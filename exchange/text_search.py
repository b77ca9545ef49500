"""German full-text search that also finds the parts of compound words.

PostgreSQL's German configuration stems words ("Bürgschaften" → "burgschaft") but does not
split compounds, so "Kaution" would not find "Mietkaution". A trigram fallback does: a
text also matches when each word of the query (of MIN_PART_LENGTH letters or more, not
negated) is in it as a part of a word, and no negated word is, by pg_trgm's word
similarity (``<%``, at least ``pg_trgm.word_similarity_threshold``, 0.6: "kaution" in
"Mietkaution" is 0.75). A GIN
trigram index on the searched text answers it (migration 0019), beside the tsvector's GIN
index. Full-text matches rank first, by ``ts_rank_cd`` as before, then the texts that only
contain the words as parts, by their mean word similarity. ``searched_text`` must be one
SQL expression (in parentheses if it is an operation: ``<%`` binds tighter than ``||``).

A German compound-splitting dictionary was not chosen: PostgreSQL's ispell template needs
an ispell-format dictionary with compound flags copied into the server's text search
files, which PostgreSQL's packages do not ship and a managed PostgreSQL does not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, literal, literal_column, not_, or_

SEARCH_CONFIG = "german"
#: Shorter words are parts of too many words to be looked for inside others.
MIN_PART_LENGTH = 4
MAX_PARTS = 8
# websearch_to_tsquery's syntax: "a phrase", -negated, or.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"\w+")


@dataclass
class TextMatch:
    """How rows match a query: ``condition`` to filter, ``order`` best first, ``rank``
    the full-text rank a hit reports (0 for a match of parts only)."""

    condition: ColumnElement[bool]
    order: list[ColumnElement]
    rank: ColumnElement[float]


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


def text_match(search: ColumnElement, searched_text: ColumnElement, q: str) -> TextMatch:
    """Rows whose tsvector ``search`` matches ``q`` (websearch syntax), or whose
    ``searched_text`` holds every word of ``q`` at least as a part of a word."""
    query = func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'::regconfig"), q)
    full_text = search.op("@@")(query)
    rank = func.ts_rank_cd(search, query)
    parts, unwanted = parts_of(q)
    if not parts:
        return TextMatch(full_text, [rank.desc()], rank)
    in_words = and_(
        *(literal(part).op("<%", is_comparison=True)(searched_text) for part in parts),
        *(not_(literal(word).op("<%", is_comparison=True)(searched_text)) for word in unwanted),
    )
    # The sum orders as the mean would (the number of parts is the same for every row).
    similarities = [func.word_similarity(part, searched_text) for part in parts]
    similarity = similarities[0]
    for term in similarities[1:]:
        similarity = similarity + term
    return TextMatch(
        or_(full_text, in_words),
        [full_text.desc().nulls_last(), rank.desc(), similarity.desc()],
        rank,
    )
