"""Registry: import log, the transliteration-tolerant name key for duplicate candidates,
merged persons.

- registry_name_key(family, given): lower case, unaccented, 'al-'/'el-' prefixes joined
  as 'al', common transliteration variants folded (sch/sh, kh/ch → h, ph → f, q/c → k,
  w → v, initial y → j, any initial vowel → a, other vowels dropped, double letters
  single). "Mohammed Al-Hassan" and "Muhammad Alhasan" both give "mhmd alhsn". IMMUTABLE
  (unaccent with its dictionary named), so persons.name_key can be a generated column
  that every writer (API, import, purge, bulk loads) keeps right.
- A GIN trigram index on name_key; candidates also share the birth date, which the
  existing btree ix_persons_organization_id_birth_date narrows first.
- persons.merged_into_id / merged_at: a merged person is history only, hidden from search.
- registry_imports: one row per import (who, when, file sha256, counts, status).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NAME_KEY_FUNCTION = r"""
CREATE FUNCTION registry_name_key(family text, given text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT trim(regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(
              regexp_replace(
                regexp_replace(
                  regexp_replace(
                    regexp_replace(
                      regexp_replace(
                        regexp_replace(
                          lower(public.unaccent('public.unaccent'::regdictionary,
                                coalesce(family, '') || ' ' || coalesce(given, ''))),
                        '[^a-z -]', '', 'g'),                 -- apostrophes, dots, digits
                      '\m(al|el)[- ]+', 'al', 'g'),          -- al-/el- prefix joined
                    '-', '', 'g'),                           -- hyphenated names joined
                  'sch', 'sh', 'g'),
                '[kc]h', 'h', 'g'),
              'ph', 'f', 'g'),
            'ck|q|c', 'k', 'g'),
          'w', 'v', 'g'),
        '\my', 'j', 'g'),                                     -- Youssef/Jusuf
      '\m[aeiou]+', 'a', 'g'),                                -- Ibrahim/Ebrahim
    '\Y[aeiouy]', '', 'g'),                                   -- vowels inside words
  '([a-z])\1+', '\1', 'g'))
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.execute(NAME_KEY_FUNCTION)
    op.add_column(
        "persons",
        sa.Column(
            "name_key",
            sa.Text(),
            sa.Computed("registry_name_key(family_name, given_names)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_persons_name_key_trgm",
        "persons",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    op.add_column("persons", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.add_column("persons", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_persons_merged_into_id_persons"),
        "persons",
        "persons",
        ["merged_into_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        "ix_persons_merged_into_id",
        "persons",
        ["merged_into_id"],
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )
    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("duplicate_count", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'rejected')", name=op.f("ck_registry_imports_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_registry_imports_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_registry_imports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_imports")),
    )
    op.create_index(
        "ix_registry_imports_organization_id_id", "registry_imports", ["organization_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_registry_imports_organization_id_id", table_name="registry_imports")
    op.drop_table("registry_imports")
    op.drop_index("ix_persons_merged_into_id", table_name="persons")
    op.drop_constraint(op.f("fk_persons_merged_into_id_persons"), "persons", type_="foreignkey")
    op.drop_column("persons", "merged_at")
    op.drop_column("persons", "merged_into_id")
    op.drop_index("ix_persons_name_key_trgm", table_name="persons")
    op.drop_column("persons", "name_key")
    op.execute("DROP FUNCTION IF EXISTS registry_name_key(text, text)")
