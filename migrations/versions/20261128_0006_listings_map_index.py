"""Listings: covering map index, so a viewport's newest page is found in the index alone.

A city viewport holds thousands of published listings at a million rows, each on its own
heap page. This partial GiST index on the positions of published listings carries
listed_at and id (and the location, which PostgreSQL needs present before it plans an
index-only scan over an expression), so search_listings picks the page's ids by an
index-only scan and reads the heap for those rows only. See benchmarks/listings.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_listings_published_map",
        "listings",
        [sa.literal_column("(location::geometry)")],
        unique=False,
        postgresql_using="gist",
        postgresql_include=["listed_at", "id", "location"],
        postgresql_where=sa.text("status = 'published'"),
    )


def downgrade() -> None:
    op.drop_index("ix_listings_published_map", table_name="listings")
