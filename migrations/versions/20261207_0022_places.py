"""The offline gazetteer (exchange/places): German postcodes and towns with coordinates.

- place_postcodes: one row per postcode and place name (GeoNames' postal codes of Germany,
  shipped by a package; see docs/decisions/places.md), filled by `exchange load-places`.
- place_towns: the places of those rows, one per name and area (a name's postcodes that lie
  apart, like the many "Neustadt", are separate towns), at the mean of their postcodes, with
  how many postcodes they have (the weight that puts larger places first).
- place_loads: which data set is loaded, so loading again is a no-op.

Both tables carry a normalised search key (lower case, no diacritics, ß as ss) with a
trigram index for the search box, and a point for the map's place names.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

POINT = "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "place_postcodes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.UniqueConstraint("postal_code", "name", name="uq_place_postcodes_postal_code_name"),
    )
    op.execute(f"ALTER TABLE place_postcodes ADD COLUMN location geometry(Point, 4326) "
               f"GENERATED ALWAYS AS ({POINT}) STORED")
    op.create_index("ix_place_postcodes_postal_code", "place_postcodes", ["postal_code"],
                    postgresql_ops={"postal_code": "varchar_pattern_ops"})
    op.create_index("ix_place_postcodes_location", "place_postcodes", ["location"],
                    postgresql_using="gist")
    op.create_table(
        "place_towns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("postcode_count", sa.Integer(), nullable=False),
        sa.Column("first_postal_code", sa.String(length=5), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
    )
    op.execute(f"ALTER TABLE place_towns ADD COLUMN location geometry(Point, 4326) "
               f"GENERATED ALWAYS AS ({POINT}) STORED")
    op.create_index("ix_place_towns_search_key_trgm", "place_towns", ["search_key"],
                    postgresql_using="gin", postgresql_ops={"search_key": "gin_trgm_ops"})
    op.create_index("ix_place_towns_location", "place_towns", ["location"],
                    postgresql_using="gist")
    op.create_index("ix_place_towns_postcode_count", "place_towns",
                    [sa.text("postcode_count DESC")])
    op.create_table(
        "place_loads",
        sa.Column("source", sa.String(length=100), primary_key=True),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    )


def downgrade() -> None:
    op.drop_table("place_loads")
    op.drop_table("place_towns")
    op.drop_table("place_postcodes")
