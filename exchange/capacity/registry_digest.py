"""Lines of the registry file a person was imported from already, skipped before any check.

The state's daily full file is ~99 % yesterday's. Each person keeps the digest of the line
it was last imported from (``persons.import_digest``, migration 0035: a trigger clears it
when anything else changes a field the file carries, so a caseworker's correction is
written over by the file's next line, as it always was). The fast path (registry_bulk)
hashes every line as it streams by (BLAKE2b, 8 bytes, personalised by the header line and
DIGEST_VERSION, so another column layout or another rule of the checks matches nothing)
and sends only the lines whose digest no person of the district carries through the
checks and the write, each with its row number in the file and its digest (a million
lines hash in about a second: one comprehension per chunk, one dict lookup per line). A
skipped line is byte for byte one that passed every check under the same header and
whose person has the values it gives, so it counts as unchanged; the checks that are not
of one line alone (duplicate external ids) are kept by ``repeated_external_ids``.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import text

from exchange.db import planner_without
from exchange.extensions import db

#: Changed whenever a check of a line or what the import writes from it changes: every
#: line is then checked and written again once.
DIGEST_VERSION = b"registry-line-1"


def known_digests(organization_id: int) -> dict[bytes, bool]:
    """The digests the district's persons carry, as dict keys (pop tells and takes out in
    one lookup) of 8 bytes each (big-endian, as int8send writes the bigint:
    int.from_bytes(digest, "big", signed=True)); one pass over its persons, sent as one
    binary value (a row per person costs more to read than the lines to hash)."""
    cursor = db.session.connection().connection.driver_connection.cursor(binary=True)
    try:
        cursor.execute("SELECT string_agg(int8send(import_digest), ''::bytea) FROM persons"
                       " WHERE organization_id = %s AND import_digest IS NOT NULL",
                       (organization_id,))
        packed = cursor.fetchone()[0] or b""
    finally:
        cursor.close()
    return dict.fromkeys([packed[start:start + 8] for start in range(0, len(packed), 8)], True)


#: Kept lines fewer than this share of the file: look their persons up one by one.
FEW_KEPT = 0.1


def few_kept(kept: int, rows: int) -> bool:
    """Whether the ``kept`` lines of a file of ``rows`` are few enough to be joined with
    the district's persons and households by index lookups, one by one."""
    return kept < rows * FEW_KEPT


def index_lookups(kept: int, rows: int) -> AbstractContextManager[None]:
    """Within: the ``kept`` lines (registry_import_rows) of a file of ``rows`` are joined
    with the district's persons by index lookups when they are few. The day's few
    thousand lines against a million persons are otherwise hash-joined with all of them
    (a second per statement), the planner pricing a random page read far above the
    cached page it is."""
    if few_kept(kept, rows):
        return planner_without("hashjoin", "mergejoin")
    return nullcontext()


class LineFilter:
    """Splits the file's body into lines, numbers them as the spreadsheet does (the
    header is row 1), and keeps those whose digest is not known, as CSV lines prefixed
    by ``row_number;digest;``. A known digest is taken out of ``known`` when its line is
    skipped, so that the same line again is checked (a repeated external id:
    ``repeated_external_ids``)."""

    def __init__(self, header_line: bytes, delimiter: str, known: dict[bytes, bool]) -> None:
        # BLAKE2b's personalisation (16 bytes) costs nothing per line, a key a block.
        self.person = hashlib.blake2b(DIGEST_VERSION + b"\n" + header_line.rstrip(b"\r\n"),
                                      digest_size=16).digest()
        # Each line's state is a copy of this one: half the time of a new blake2b object
        # per line (its keyword arguments parsed a million times), the same digests.
        self._blank = hashlib.blake2b(digest_size=8, person=self.person)
        self.delimiter = delimiter.encode()
        self.known = known
        self.rows = 0  # lines of the body seen
        self.sent = 0  # of those, lines kept for the checks
        self._pending = b""

    @property
    def skipped(self) -> int:
        """Lines skipped as imported already."""
        return self.rows - self.sent

    def feed(self, chunk: bytes) -> bytes:
        """The complete lines of the file read so far that are to be checked."""
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        kept = self._keep(lines)
        return b"\n".join(kept) + b"\n" if kept else b""

    def finish(self) -> bytes:
        """The last line if the file does not end with a line break (and it is kept)."""
        pending, self._pending = self._pending, b""
        return b"".join(self._keep([pending])) if pending else b""

    def _keep(self, lines: list[bytes]) -> list[bytes]:
        fresh, take = self._blank.copy, self.known.pop
        digests = []
        append = digests.append
        for line in lines:
            state = fresh()
            state.update(line)
            append(state.digest())
        kept = [index for index, digest in enumerate(digests) if not take(digest, False)]
        first, separator = self.rows + 2, self.delimiter  # the header is row 1
        self.rows += len(lines)
        self.sent += len(kept)
        return [b"%d%b%d%b%b" % (first + index, separator,
                                 int.from_bytes(digests[index], "big", signed=True),
                                 separator, lines[index]) for index in kept]

    def repeated_external_ids(self, organization_id: int) -> bool:
        """Whether a kept line (in registry_import_rows) has the external id of a skipped
        one: its person's digest was known and was taken out by that line."""
        if not self.skipped:
            return False
        with index_lookups(self.sent, self.rows):
            digests = db.session.scalars(text(
                "SELECT p.import_digest FROM registry_import_rows AS r JOIN persons AS p"
                " ON p.organization_id = :org AND p.external_id = r.external_id"
                " WHERE p.import_digest IS NOT NULL"
            ), {"org": organization_id}).all()
        return any(digest.to_bytes(8, "big", signed=True) not in self.known
                   for digest in digests)
