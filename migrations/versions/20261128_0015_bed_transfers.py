"""Transfer requests between districts and the directory's fields.

- bed_transfers: district A asks district B for beds of B's beds listing; accepted ones
  hold the beds until a date.
- shelters.held_beds: beds held by accepted transfers; the published free beds are
  max(free - reserve_beds - held_beds, 0).
- memberships.function: a free-text job title ("Bürgermeister", "Leitung Sozialamt").
- organizations.contact_user_id: the organisation's named contact person.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "shelters", sa.Column("held_beds", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_check_constraint("held_beds_non_negative", "shelters", "held_beds >= 0")
    op.add_column("memberships", sa.Column("function", sa.String(200), nullable=True))
    op.add_column("organizations", sa.Column("contact_user_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_organizations_contact_user_id_users"), "organizations", "users",
        ["contact_user_id"], ["id"], ondelete="SET NULL",
    )
    op.create_table(
        "bed_transfers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("listing_id", sa.Integer(),
                  sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("requesting_organization_id", sa.Integer(),
                  sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("providing_organization_id", sa.Integer(),
                  sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decided_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("room_id", sa.Integer(),
                  sa.ForeignKey("chat_rooms.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'accepted', 'declined', 'released')",
            name=op.f("ck_bed_transfers_status"),
        ),
        sa.CheckConstraint("beds > 0", name=op.f("ck_bed_transfers_beds_positive")),
        sa.CheckConstraint(
            "requesting_organization_id <> providing_organization_id",
            name=op.f("ck_bed_transfers_two_sides"),
        ),
    )
    for column in ("listing_id", "requesting_organization_id", "providing_organization_id"):
        op.create_index(op.f(f"ix_bed_transfers_{column}"), "bed_transfers", [column])
    op.create_index("ix_bed_transfers_status_until", "bed_transfers", ["status", "until"])


def downgrade() -> None:
    op.drop_table("bed_transfers")
    op.drop_constraint(
        op.f("fk_organizations_contact_user_id_users"), "organizations", type_="foreignkey"
    )
    op.drop_column("organizations", "contact_user_id")
    op.drop_column("memberships", "function")
    op.drop_constraint("ck_shelters_held_beds_non_negative", "shelters", type_="check")
    op.drop_column("shelters", "held_beds")
