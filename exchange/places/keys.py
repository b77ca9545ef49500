"""The search key of a place name: what the data and a query are compared by."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\-/.,()]+")


def search_key(text: str) -> str:
    """Lower case, diacritics off, ß as ss, runs of spaces and punctuation as one space:
    "Osnabrück" and "osnabruck" meet, "Frankfurt (Oder)" and "frankfurt oder" too."""
    folded = text.casefold().replace("ß", "ss")
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return _SPACES.sub(" ", plain).strip()
