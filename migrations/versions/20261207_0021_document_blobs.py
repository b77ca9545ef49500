"""Documents in PostgreSQL (DOCUMENTS_STORE=database): blobs once per sha256, their bytes in
ordered 1 MiB chunks, so that every app machine serves every file (issue 17).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_blobs")),
    )
    op.create_table(
        "document_blob_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["document_blobs.sha256"],
                                name=op.f("fk_document_blob_chunks_sha256_document_blobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_document_blob_chunks")),
    )
    # The bytes are compressed already (PDF, JPEG, DOCX …) or small: no TOAST compression.
    op.execute("ALTER TABLE document_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("document_blob_chunks")
    op.drop_table("document_blobs")
