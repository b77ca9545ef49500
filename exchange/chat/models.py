"""Chat: rooms, their members (with a read watermark), messages and their attachments."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, check_in_enum, created_at_column
from exchange.documents.models import Document, HasDocuments, attached_document_column
from exchange.profiles.models import User

BODY_MAX_LENGTH = 10_000


class RoomKind(enum.StrEnum):
    CHANNEL = "channel"
    GROUP = "group"
    DIRECT = "direct"


class Visibility(enum.StrEnum):
    NETWORK = "network"  # any staff member may find and join it
    PRIVATE = "private"  # members only; added by a member


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


def direct_key(first_user_id: int, second_user_id: int) -> str:
    """The one key of the direct room of two users, whoever opens it."""
    low, high = sorted((first_user_id, second_user_id))
    return f"{low}:{high}"


class Room(Base):
    __tablename__ = "chat_rooms"
    __table_args__ = (
        sa.CheckConstraint(check_in_enum("kind", RoomKind), name="kind"),
        sa.CheckConstraint(check_in_enum("visibility", Visibility), name="visibility"),
        # A direct room is private, about no listing, and keyed by its pair of users.
        sa.CheckConstraint(
            "kind <> 'direct' OR (direct_key IS NOT NULL AND visibility = 'private'"
            " AND listing_id IS NULL)",
            name="direct_rooms",
        ),
        sa.CheckConstraint("kind = 'direct' OR direct_key IS NULL", name="direct_key_only_direct"),
        sa.CheckConstraint("retention_days IS NULL OR retention_days > 0", name="retention_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    visibility: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    topic: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    # A room about a listing: the only kind of room a landlord may take part in.
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    # "min_user_id:max_user_id"; unique, so two users never get a second direct room.
    direct_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    # Messages older than this many days are deleted by `exchange purge-chat`.
    retention_days: Mapped[int | None] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list[Member]] = relationship(
        back_populates="room", order_by="Member.id", passive_deletes=True
    )


class Member(Base):
    __tablename__ = "chat_members"
    __table_args__ = (
        sa.UniqueConstraint("room_id", "user_id", name="uq_chat_members_room_user"),
        sa.CheckConstraint(check_in_enum("role", MemberRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default=MemberRole.MEMBER.value)
    # Zulip-style read state: everything up to this message id has been read. Not a
    # foreign key: the message may be purged while the watermark stays meaningful.
    last_read_message_id: Mapped[int | None] = mapped_column(sa.Integer)
    muted: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default="false")
    joined_at: Mapped[datetime] = created_at_column()

    room: Mapped[Room] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Message(HasDocuments, Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        sa.Index("ix_chat_messages_room_id_id", "room_id", "id"),
        # One message per sender and client key: "send again" returns the first one.
        sa.Index("uq_chat_messages_author_client_key", "author_id", "client_key", unique=True,
              postgresql_where=sql_text("client_key IS NOT NULL")),
        sa.Index("ix_chat_messages_search", "search", postgresql_using="gin"),
        # Parts of compounds ("Kaution" in "Mietkaution"): exchange.text_search.
        sa.Index("ix_chat_messages_body_trgm", "body", postgresql_using="gin",
              postgresql_ops={"body": "gin_trgm_ops"}),
        sa.CheckConstraint(f"char_length(body) <= {BODY_MAX_LENGTH}", name="body_length"),
        sa.CheckConstraint("reply_to_id <> id", name="not_own_reply"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The sender's own id for this message (made by the client), so a send repeated after
    # a lost acknowledgement finds the message instead of storing it twice.
    client_key: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Soft delete: the row stays (ids stay continuous for clients), the body is emptied.
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The thread's first message; replies to a reply join the same thread.
    reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_messages.id", ondelete="SET NULL"), index=True
    )
    # A listing or free-bed announcement shared in the room (shown as a card).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    # German full-text search; kept by the database, so every writer keeps it right.
    search: Mapped[str] = mapped_column(
        TSVECTOR, sa.Computed("to_tsvector('german'::regconfig, body)", persisted=True)
    )

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[MessageDocument]] = relationship(
        order_by="MessageDocument.position", passive_deletes=True
    )


class MessageDocument(Base):
    """A document attached to a message; room members may read it (documents' reader)."""

    __tablename__ = "chat_message_documents"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("chat_messages.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = attached_document_column()
    position: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    document: Mapped[Document] = relationship()
