"""Listings: photos and documents attached to a listing; users: e-mail notification choice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_documents",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('photo', 'document')", name=op.f("ck_listing_documents_kind")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_listing_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_documents_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "document_id", name=op.f("pk_listing_documents")),
    )
    op.create_index(
        op.f("ix_listing_documents_document_id"),
        "listing_documents",
        ["document_id"],
        unique=False,
    )
    op.add_column(
        "users",
        sa.Column(
            "email_notifications", sa.Boolean(), server_default="true", nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "email_notifications")
    op.drop_index(op.f("ix_listing_documents_document_id"), table_name="listing_documents")
    op.drop_table("listing_documents")
