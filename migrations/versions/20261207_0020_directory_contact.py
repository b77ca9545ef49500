"""Users: whether the directory shows one's e-mail address (``show_email``, off unless the
person switches it on in their profile; see docs/decisions/profiles.md, "Directory").

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("show_email", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "show_email")
