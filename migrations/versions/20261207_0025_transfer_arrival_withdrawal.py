"""Bed requests carry an arrival date and can be withdrawn (issue 14).

- bed_transfers.arrival_date: the day the persons are to arrive (the service refuses one
  after ``until``); requests made before this revision have none.
- bed_transfers.withdrawn_at and the status ``withdrawn``: the requester took the request
  back before it was decided.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"

OLD_STATUSES = "status IN ('requested', 'accepted', 'declined', 'released')"
NEW_STATUSES = "status IN ('requested', 'accepted', 'declined', 'released', 'withdrawn')"


def upgrade() -> None:
    op.add_column("bed_transfers", sa.Column("arrival_date", sa.Date(), nullable=True))
    op.add_column("bed_transfers",
                  sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f("ck_bed_transfers_status"), "bed_transfers", type_="check")
    op.create_check_constraint(op.f("ck_bed_transfers_status"), "bed_transfers", NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE bed_transfers SET status = 'declined' WHERE status = 'withdrawn'")
    op.drop_constraint(op.f("ck_bed_transfers_status"), "bed_transfers", type_="check")
    op.create_check_constraint(op.f("ck_bed_transfers_status"), "bed_transfers", OLD_STATUSES)
    op.drop_column("bed_transfers", "withdrawn_at")
    op.drop_column("bed_transfers", "arrival_date")
