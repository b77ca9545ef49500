"""Lines of the registry file a person was imported from already, skipped before any check.

The state's daily full file is ~99 % yesterday's. Each person keeps the digest of the line
it was last imported from (``persons.import_digest``, migration 0035: a trigger clears it
when anything else changes a field the file carries, so a caseworker's correction is
written over by the file's next line, as it always was). The fast path (registry_bulk)
hashes every line as it streams by (BLAKE2b, 8 bytes, keyed by the header line and
DIGEST_VERSION, so another column layout or another rule of the checks matches nothing)
and sends only the lines whose digest no person of the district carries through the
checks and the write, each with its row number in the file and its digest. A skipped line
is byte for byte one that passed every check under the same header and whose person has
the values it gives, so it counts as unchanged; the checks that are not of one line
alone (duplicate external ids) are kept by ``repeated_external_ids``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from exchange.extensions import db

#: Changed whenever a check of a line or what the import writes from it changes: every
#: line is then checked and written again once.
DIGEST_VERSION = b"registry-line-1"


def known_digests(organization_id: int) -> set[int]:
    """The digests the district's persons carry (one pass over its persons)."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute("SELECT import_digest FROM persons WHERE organization_id = %s"
                       " AND import_digest IS NOT NULL", (organization_id,))
        return {digest for (digest,) in cursor}
    finally:
        cursor.close()


class LineFilter:
    """Splits the file's body into lines, numbers them as the spreadsheet does (the
    header is row 1), and keeps those whose digest is not known, as CSV lines prefixed
    by ``row_number;digest;``. A known digest is taken out of ``known`` when its line is
    skipped, so that the same line a second time is checked (a repeated external id)."""

    def __init__(self, header_line: bytes, delimiter: str, known: set[int]) -> None:
        self.key = hashlib.blake2b(DIGEST_VERSION + b"\n" + header_line.rstrip(b"\r\n"),
                                   digest_size=32).digest()
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
        blake2b, key, known, separator = hashlib.blake2b, self.key, self.known, self.delimiter
        kept = []
        row = self.rows + 1
        for line in lines:
            row += 1
            digest = int.from_bytes(blake2b(line, digest_size=8, key=key).digest(),
                                    "little", signed=True)
            if digest in known:
                known.discard(digest)
            else:
                kept.append(b"%d%b%d%b%b" % (row, separator, digest, separator, line))
        self.rows = row - 1
        self.sent += len(kept)
        return kept

    def repeated_external_ids(self, organization_id: int) -> bool:
        """Whether a kept line (in registry_import_rows) has the external id of a skipped
        one: its person's digest was known and was taken out by that line."""
        if not self.skipped:
            return False
        digests = db.session.scalars(text(
            "SELECT p.import_digest FROM registry_import_rows AS r JOIN persons AS p"
            " ON p.organization_id = :org AND p.external_id = r.external_id"
            " WHERE p.import_digest IS NOT NULL"
        ), {"org": organization_id})
        return any(digest not in self.known for digest in digests)
