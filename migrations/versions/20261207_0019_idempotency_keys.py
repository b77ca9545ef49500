"""Idempotency keys: the first successful answer to a keyed write, replayed when the client
sends the same request again (issue 17); chat messages carry the sender's client key.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_idempotency_keys_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys",
                    ["expires_at"])
    op.add_column("chat_messages", sa.Column("client_key", sa.String(length=100), nullable=True))
    op.create_index("uq_chat_messages_author_client_key", "chat_messages",
                    ["author_id", "client_key"], unique=True,
                    postgresql_where=sa.text("client_key IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("uq_chat_messages_author_client_key", table_name="chat_messages")
    op.drop_column("chat_messages", "client_key")
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
