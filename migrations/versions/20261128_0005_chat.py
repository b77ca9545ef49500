"""Chat: rooms (one direct per pair), members, messages (German tsvector, GIN), attachments.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 13:11:42.268245
"""

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("topic", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("direct_key", sa.String(length=40), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind <> 'direct' OR (direct_key IS NOT NULL AND visibility = 'private'"
            " AND listing_id IS NULL)",
            name=op.f("ck_chat_rooms_direct_rooms"),
        ),
        sa.CheckConstraint(
            "kind = 'direct' OR direct_key IS NULL",
            name=op.f("ck_chat_rooms_direct_key_only_direct"),
        ),
        sa.CheckConstraint(
            "kind IN ('channel', 'group', 'direct')", name=op.f("ck_chat_rooms_kind")
        ),
        sa.CheckConstraint(
            "visibility IN ('network', 'private')", name=op.f("ck_chat_rooms_visibility")
        ),
        sa.CheckConstraint(
            "retention_days IS NULL OR retention_days > 0",
            name=op.f("ck_chat_rooms_retention_days"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_chat_rooms_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_chat_rooms_listing_id_listings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_rooms")),
        sa.UniqueConstraint("direct_key", name=op.f("uq_chat_rooms_direct_key")),
    )
    op.create_index(op.f("ix_chat_rooms_listing_id"), "chat_rooms", ["listing_id"], unique=False)
    op.create_table(
        "chat_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("last_read_message_id", sa.Integer(), nullable=True),
        sa.Column("muted", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_chat_members_role")),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["chat_rooms.id"],
            name=op.f("fk_chat_members_room_id_chat_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_members")),
        sa.UniqueConstraint("room_id", "user_id", name="uq_chat_members_room_user"),
    )
    op.create_index(op.f("ix_chat_members_user_id"), "chat_members", ["user_id"], unique=False)
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('german'::regconfig, body)", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint("char_length(body) <= 10000", name=op.f("ck_chat_messages_body_length")),
        sa.CheckConstraint("reply_to_id <> id", name=op.f("ck_chat_messages_not_own_reply")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_chat_messages_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_chat_messages_listing_id_listings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["chat_messages.id"],
            name=op.f("fk_chat_messages_reply_to_id_chat_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["chat_rooms.id"],
            name=op.f("fk_chat_messages_room_id_chat_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(
        op.f("ix_chat_messages_author_id"), "chat_messages", ["author_id"], unique=False
    )
    op.create_index(
        op.f("ix_chat_messages_listing_id"), "chat_messages", ["listing_id"], unique=False
    )
    op.create_index(
        op.f("ix_chat_messages_reply_to_id"), "chat_messages", ["reply_to_id"], unique=False
    )
    op.create_index("ix_chat_messages_room_id_id", "chat_messages", ["room_id", "id"], unique=False)
    op.create_index(
        "ix_chat_messages_search", "chat_messages", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "chat_message_documents",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_chat_message_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_chat_message_documents_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "message_id", "document_id", name=op.f("pk_chat_message_documents")
        ),
    )
    op.create_index(
        op.f("ix_chat_message_documents_document_id"),
        "chat_message_documents",
        ["document_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_chat_message_documents_document_id"), table_name="chat_message_documents"
    )
    op.drop_table("chat_message_documents")
    op.drop_index("ix_chat_messages_search", table_name="chat_messages", postgresql_using="gin")
    op.drop_index("ix_chat_messages_room_id_id", table_name="chat_messages")
    op.drop_index(op.f("ix_chat_messages_reply_to_id"), table_name="chat_messages")
    op.drop_index(op.f("ix_chat_messages_listing_id"), table_name="chat_messages")
    op.drop_index(op.f("ix_chat_messages_author_id"), table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_chat_members_user_id"), table_name="chat_members")
    op.drop_table("chat_members")
    op.drop_index(op.f("ix_chat_rooms_listing_id"), table_name="chat_rooms")
    op.drop_table("chat_rooms")
