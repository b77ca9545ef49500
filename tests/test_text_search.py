"""The words a German search looks for as parts of compounds (exchange.text_search)."""

from __future__ import annotations

import pytest

from exchange.text_search import parts_of


@pytest.mark.parametrize(("q", "wanted", "unwanted"), [
    ("Kaution", ["kaution"], []),
    ("Kaution Miete Kaution", ["kaution", "miete"], []),
    ('"Kaution der Stadt" -Miete', ["kaution", "stadt"], ["miete"]),
    ('Kaution or Bürgschaft -"Mietvertrag alt"', ["kaution", "bürgschaft"], ["mietvertrag"]),
    ("in am zu", [], []),
])
def test_parts_leave_out_short_words_and_operators_and_keep_negations_apart(q, wanted,
                                                                             unwanted):
    assert parts_of(q) == (wanted, unwanted)
