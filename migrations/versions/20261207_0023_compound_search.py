"""German search finds the parts of compound words (issue 14): trigram indexes on the
searched text of concepts and chat messages, for exchange.text_search's fallback
(pg_trgm's ``<%``: "Kaution" finds "Mietkaution"). pg_trgm is there since 0001.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:40:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The expression as exchange.concepts.models.CONCEPT_TEXT spells it.
    op.execute(
        "CREATE INDEX ix_concepts_text_trgm ON concepts "
        "USING gin ((title || ' ' || summary || ' ' || body) gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX ix_chat_messages_body_trgm ON chat_messages USING gin (body gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_chat_messages_body_trgm")
    op.execute("DROP INDEX IF EXISTS ix_concepts_text_trgm")
