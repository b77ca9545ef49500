"""Concepts (papers, plans and experience officials share), their attached documents,
comments, and the topics users follow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, DateTime, ForeignKey, Index, String, Text, func, literal_column
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, created_at_column
from exchange.documents.models import Document, HasDocuments, attached_document_column
from exchange.profiles.models import Organization, User

#: The topics offered first; the list is open (any short lower-case word or phrase).
SEED_TOPICS = ("integration", "housing", "schools", "health", "climate", "urban development")


#: The text searched for parts of compounds (exchange.text_search), as the trigram index
#: ix_concepts_text_trgm covers it (migration 0023): the query must spell it the same way.
CONCEPT_TEXT = literal_column(
    "(concepts.title || ' ' || concepts.summary || ' ' || concepts.body)"
)


class Concept(HasDocuments, Base):
    """A concept written by a member of staff for their organisation (markdown body)."""

    __tablename__ = "concepts"
    __table_args__ = (
        Index("ix_concepts_search", "search", postgresql_using="gin"),
        Index("ix_concepts_topics", "topics", postgresql_using="gin"),
        Index(
            "ix_concepts_text_trgm",
            literal_column("(title || ' ' || summary || ' ' || body)").label("searched_text"),
            postgresql_using="gin",
            postgresql_ops={"searched_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # German full-text search over title (weight A), summary (B) and body (C); kept by the
    # database, so every writer keeps it right.
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('german'::regconfig, coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('german'::regconfig, coalesce(summary, '')), 'B') || "
            "setweight(to_tsvector('german'::regconfig, coalesce(body, '')), 'C')",
            persisted=True,
        ),
    )

    author: Mapped[User | None] = relationship()
    organization: Mapped[Organization] = relationship()
    attachments: Mapped[list[ConceptDocument]] = relationship(
        order_by="ConceptDocument.position", cascade="all, delete-orphan"
    )


class ConceptDocument(Base):
    """A document attached to a concept, in order."""

    __tablename__ = "concept_documents"

    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = attached_document_column()
    position: Mapped[int] = mapped_column(default=0)

    document: Mapped[Document] = relationship()


class ConceptComment(Base):
    __tablename__ = "concept_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concepts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[User | None] = relationship()


class TopicFollow(Base):
    """A user follows a topic: new concepts with it notify them."""

    __tablename__ = "topic_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    created_at: Mapped[datetime] = created_at_column()
