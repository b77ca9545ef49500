"""Listings: newest-first covering index, so a dense viewport's page is found in the index.

A city viewport at a million listings holds thousands of published ones (Hamburg: 7,600).
The GiST index (0006) finds them all and sorts them by date to keep fifty. This partial
B-tree walks the published listings newest first instead, checking each one's location
from the index itself (INCLUDE), and stops after one page. Its cost follows the share of
the viewport in all listings, not their number. The planner picks it for dense viewports
and the GiST index for sparse ones. See benchmarks/listings.py.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_listings_published_newest",
        "listings",
        [sa.text("listed_at DESC"), sa.text("id DESC")],
        unique=False,
        postgresql_include=["location"],
        postgresql_where=sa.text("status = 'published'"),
    )


def downgrade() -> None:
    op.drop_index("ix_listings_published_newest", table_name="listings")
