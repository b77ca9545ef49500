"""persons.name_key is a plain column, no longer generated (issue 16 point 3).

A stored generated column runs registry_name_key (a dozen regular expressions) for every
row an INSERT … ON CONFLICT touches, even the rows that conflict and change nothing, so a
daily full registry file paid it a million times. Now the registry import computes the
key once per distinct name of the rows it writes (registry_apply), and a trigger keeps it
for every other writer (API, anonymisation, merges): on insert when no key is given, on
update when a name changes and the key does not. registry_name_key (migration 0012)
stays the one source of the rule. The values stay as they are (DROP EXPRESSION).

Revision ID: 0030
Revises: 0025
Create Date: 2026-12-07 14:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0027"

TRIGGER_FUNCTION = """
CREATE FUNCTION persons_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name_key := registry_name_key(NEW.family_name, NEW.given_names);
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE persons ALTER COLUMN name_key DROP EXPRESSION")
    op.execute(TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER persons_name_key_insert BEFORE INSERT ON persons FOR EACH ROW"
        " WHEN (NEW.name_key IS NULL) EXECUTE FUNCTION persons_name_key()"
    )
    op.execute(
        "CREATE TRIGGER persons_name_key_update BEFORE UPDATE OF family_name, given_names"
        " ON persons FOR EACH ROW"
        " WHEN ((NEW.family_name, NEW.given_names) IS DISTINCT FROM"
        " (OLD.family_name, OLD.given_names) AND NEW.name_key IS NOT DISTINCT FROM OLD.name_key)"
        " EXECUTE FUNCTION persons_name_key()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER persons_name_key_update ON persons")
    op.execute("DROP TRIGGER persons_name_key_insert ON persons")
    op.execute("DROP FUNCTION persons_name_key()")
    op.drop_index("ix_persons_name_key_trgm", table_name="persons")
    op.drop_column("persons", "name_key")
    op.add_column(
        "persons",
        sa.Column("name_key", sa.Text(),
                  sa.Computed("registry_name_key(family_name, given_names)", persisted=True),
                  nullable=True),
    )
    op.create_index("ix_persons_name_key_trgm", "persons", ["name_key"],
                    postgresql_using="gin", postgresql_ops={"name_key": "gin_trgm_ops"})
