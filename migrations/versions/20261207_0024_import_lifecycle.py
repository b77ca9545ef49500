"""Registry imports record their start in their own transaction: the importing
transaction's id is kept, and an import whose transaction ended without an outcome shows
as ``failed`` (issue 17).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registry_imports", sa.Column("xact_id", sa.BigInteger(), nullable=True))
    op.drop_constraint(op.f("ck_registry_imports_status"), "registry_imports", type_="check")
    op.create_check_constraint(
        op.f("ck_registry_imports_status"), "registry_imports",
        "status IN ('running', 'done', 'rejected', 'failed')")


def downgrade() -> None:
    op.execute("UPDATE registry_imports SET status = 'rejected' WHERE status = 'failed'")
    op.drop_constraint(op.f("ck_registry_imports_status"), "registry_imports", type_="check")
    op.create_check_constraint(
        op.f("ck_registry_imports_status"), "registry_imports",
        "status IN ('running', 'done', 'rejected')")
    op.drop_column("registry_imports", "xact_id")
