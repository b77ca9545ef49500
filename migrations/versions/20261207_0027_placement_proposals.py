"""Proposals of a household for a flat (issue 18, point 3).

- placement_proposals: proposed → viewing → accepted → moved_in, or declined / withdrawn,
  with the planned day of moving in agreed on accepting;
  a partial unique index keeps one flat from being accepted for two households, another
  keeps a household from being proposed for one flat twice at a time.
- placement_proposal_steps: the append-only log of every step (who, when, what).
- household_consents: what a household agreed to share with landlords (who recorded it,
  when, what).

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0028"

STATES = "'proposed', 'viewing', 'accepted', 'moved_in', 'declined', 'withdrawn'"

APPEND_ONLY = """
CREATE FUNCTION placement_proposal_steps_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'placement_proposal_steps is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER placement_proposal_steps_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON placement_proposal_steps
FOR EACH STATEMENT EXECUTE FUNCTION placement_proposal_steps_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "placement_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("viewing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("move_in_date", sa.Date(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moved_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_placement_proposals_state")),
        sa.CheckConstraint("state <> 'declined' OR reason IS NOT NULL",
                           name=op.f("ck_placement_proposals_declined_reason")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE",
                                name=op.f("fk_placement_proposals_household_id_households")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], ondelete="RESTRICT",
            name=op.f("fk_placement_proposals_organization_id_organizations")),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE",
                                name=op.f("fk_placement_proposals_listing_id_listings")),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_placement_proposals_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_placement_proposals_decided_by_id_users")),
        sa.ForeignKeyConstraint(["room_id"], ["chat_rooms.id"], ondelete="SET NULL",
                                name=op.f("fk_placement_proposals_room_id_chat_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_proposals")),
    )
    op.create_index(op.f("ix_placement_proposals_household_id"), "placement_proposals",
                    ["household_id"])
    op.create_index("ix_placement_proposals_organization_id_id", "placement_proposals",
                    ["organization_id", "id"])
    op.create_index("ix_placement_proposals_listing_id_id", "placement_proposals",
                    ["listing_id", "id"])
    op.create_index("uq_placement_proposals_listing_taken", "placement_proposals",
                    ["listing_id"], unique=True,
                    postgresql_where=sa.text("state IN ('accepted', 'moved_in')"))
    op.create_index("uq_placement_proposals_household_listing_open", "placement_proposals",
                    ["household_id", "listing_id"], unique=True,
                    postgresql_where=sa.text("state IN ('proposed', 'viewing', 'accepted')"))

    op.create_table(
        "placement_proposal_steps",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_proposal_steps")),
    )
    op.create_index("ix_placement_proposal_steps_proposal_id_id", "placement_proposal_steps",
                    ["proposal_id", "id"])
    op.execute(APPEND_ONLY)

    op.create_table(
        "household_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("shares", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True),
                  server_default=sa.func.clock_timestamp(), nullable=False),
        sa.CheckConstraint(
            "shares <@ ARRAY['composition', 'languages', 'arrival_date', 'names']::varchar[]",
            name=op.f("ck_household_consents_shares")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE",
                                name=op.f("fk_household_consents_household_id_households")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], ondelete="RESTRICT",
            name=op.f("fk_household_consents_organization_id_organizations")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_household_consents_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_consents")),
    )
    op.create_index("ix_household_consents_household_id_id", "household_consents",
                    ["household_id", "id"])


def downgrade() -> None:
    op.drop_table("household_consents")
    op.execute("DROP TRIGGER IF EXISTS placement_proposal_steps_append_only "
               "ON placement_proposal_steps")
    op.execute("DROP FUNCTION IF EXISTS placement_proposal_steps_append_only()")
    op.drop_table("placement_proposal_steps")
    op.drop_table("placement_proposals")
