"""persons.import_digest: the digest of the registry file's line a person was last
imported from (issue 16 point 3).

The state's daily full file is ~99 % identical to yesterday's. The registry import hashes
every line of it (registry_bulk) and sends only the lines whose digest no person of the
district carries through its checks and writes; a line whose digest a person carries is
the line that person was imported from, and nothing has changed the person since. A
trigger keeps that true: any other write that changes a field the file carries (the
household included) or anonymises the person, and does not set a digest itself, clears
it, so that the next file's line is checked and written again (a caseworker's correction
is never silently kept against the file). No index: the import reads a district's
digests in one pass.

Revision ID: 0035
Revises: 0031
Create Date: 2026-12-07 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0031"

#: The persons' columns a line of the registry file decides (with anonymised_at, after
#: which the import leaves a person alone, and the keys the digest is found by).
FILE_COLUMNS = ("organization_id", "external_id", "family_name", "given_names", "birth_date",
                "gender", "nationality", "languages", "arrival_date", "household_id",
                "religion", "profession", "anonymised_at")

TRIGGER_FUNCTION = """
CREATE FUNCTION persons_import_digest_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.import_digest := NULL;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.add_column("persons", sa.Column("import_digest", sa.BigInteger(), nullable=True))
    op.execute(TRIGGER_FUNCTION)
    columns = ", ".join(FILE_COLUMNS)
    old = ", ".join(f"OLD.{name}" for name in FILE_COLUMNS)
    new = ", ".join(f"NEW.{name}" for name in FILE_COLUMNS)
    op.execute(
        f"CREATE TRIGGER persons_import_digest_clear BEFORE UPDATE OF {columns} ON persons"
        " FOR EACH ROW WHEN (OLD.import_digest IS NOT NULL"
        " AND NEW.import_digest IS NOT DISTINCT FROM OLD.import_digest"
        f" AND ({old}) IS DISTINCT FROM ({new}))"
        " EXECUTE FUNCTION persons_import_digest_clear()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER persons_import_digest_clear ON persons")
    op.execute("DROP FUNCTION persons_import_digest_clear()")
    op.drop_column("persons", "import_digest")
