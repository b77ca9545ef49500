"""Concepts: papers, plans and experience that officials share.

- concepts: author, organisation, title, summary, markdown body, topics (text[], GIN), a
  generated German tsvector over title (A), summary (B) and body (C) with a GIN index.
- concept_documents: attachments in order; concept_comments; topic_follows (user, topic).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEARCH = (
    "setweight(to_tsvector('german'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('german'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('german'::regconfig, coalesce(body, '')), 'C')"
)


def upgrade() -> None:
    op.create_table(
        "concepts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "topics", postgresql.ARRAY(sa.String(60)), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "search", postgresql.TSVECTOR(), sa.Computed(SEARCH, persisted=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_concepts_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_concepts_organization_id_organizations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concepts")),
    )
    op.create_index(op.f("ix_concepts_author_id"), "concepts", ["author_id"])
    op.create_index(op.f("ix_concepts_organization_id"), "concepts", ["organization_id"])
    op.create_index("ix_concepts_search", "concepts", ["search"], postgresql_using="gin")
    op.create_index("ix_concepts_topics", "concepts", ["topics"], postgresql_using="gin")

    op.create_table(
        "concept_documents",
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"], ["concepts.id"],
            name=op.f("fk_concept_documents_concept_id_concepts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"],
            name=op.f("fk_concept_documents_document_id_documents"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("concept_id", "document_id", name=op.f("pk_concept_documents")),
    )
    op.create_index(
        op.f("ix_concept_documents_document_id"), "concept_documents", ["document_id"]
    )

    op.create_table(
        "concept_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"], ["concepts.id"],
            name=op.f("fk_concept_comments_concept_id_concepts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_concept_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_comments")),
    )
    op.create_index(op.f("ix_concept_comments_concept_id"), "concept_comments", ["concept_id"])

    op.create_table(
        "topic_follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_topic_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("pk_topic_follows")),
    )
    op.create_index(op.f("ix_topic_follows_topic"), "topic_follows", ["topic"])


def downgrade() -> None:
    op.drop_table("topic_follows")
    op.drop_table("concept_comments")
    op.drop_table("concept_documents")
    op.drop_table("concepts")
