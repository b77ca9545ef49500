"""Users: per-kind e-mail opt-out of notifications (``email_muted_kinds``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "email_muted_kinds",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "email_muted_kinds")
