"""Data-subject rights in the registry (issue 19).

- person_changes: every correction of a person (Art. 16), field by field with the old and
  the new value, who and when; written by exchange.capacity.services.update_person,
  shown in the disclosure (Art. 15) and deleted with the person's data on anonymisation.
- person_audit_reasons: the reason stated for an access to a restricted record (Art. 18)
  or for an erasure (Art. 17), one row per audit row. Kept apart from the append-only
  person_audit so that an erasure can delete what a reason may say about the person while
  the audit rows themselves (who, when, what) stay.
- persons.restricted_at / restriction_reason / restricted_by_id: the restriction of
  processing, set and lifted by the district's admins.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


# person_audit stays append-only, except for an erasure (Art. 17), which says so in its own
# transaction (set_config('exchange.erasure', 'on', true)) and keeps only its own row.
APPEND_ONLY_BUT_ERASURE = """
CREATE OR REPLACE FUNCTION person_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('exchange.erasure', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'person_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION person_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'person_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def upgrade() -> None:
    op.execute(APPEND_ONLY_BUT_ERASURE)
    op.create_table(
        "person_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_changes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_person_changes_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_changes")),
    )
    op.create_index("ix_person_changes_person_id_id", "person_changes", ["person_id", "id"])
    op.create_table(
        "person_audit_reasons",
        sa.Column("audit_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_person_audit_reasons")),
    )
    op.create_index("ix_person_audit_reasons_person_id", "person_audit_reasons", ["person_id"])
    op.add_column("persons", sa.Column("restricted_at", sa.DateTime(timezone=True)))
    op.add_column("persons", sa.Column("restriction_reason", sa.Text()))
    op.add_column("persons", sa.Column("restricted_by_id", sa.Integer()))
    op.create_foreign_key(
        op.f("fk_persons_restricted_by_id_users"), "persons", "users",
        ["restricted_by_id"], ["id"], ondelete="SET NULL",
    )


def downgrade() -> None:
    op.execute(APPEND_ONLY)
    op.drop_constraint(op.f("fk_persons_restricted_by_id_users"), "persons", type_="foreignkey")
    op.drop_column("persons", "restricted_by_id")
    op.drop_column("persons", "restriction_reason")
    op.drop_column("persons", "restricted_at")
    op.drop_index("ix_person_audit_reasons_person_id", table_name="person_audit_reasons")
    op.drop_table("person_audit_reasons")
    op.drop_index("ix_person_changes_person_id_id", table_name="person_changes")
    op.drop_table("person_changes")
