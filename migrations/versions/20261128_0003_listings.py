"""Listings (GiST location, trigger-kept map cluster counts), saved searches, notifications.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:10:18.088181
"""

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography, Geometry
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


CELLS_FUNCTIONS = """
CREATE TYPE listing_cell_delta AS (
    sign integer, kind text, free_beds integer, id integer,
    x double precision, y double precision
);

-- Add (sign 1) or take away (sign -1) listings at every level, in one ordered upsert so
-- that concurrent writers lock cells in the same order; cells left empty are removed.
CREATE FUNCTION listing_cells_apply(deltas listing_cell_delta[]) RETURNS void
LANGUAGE sql SET jit = off AS $$
    INSERT INTO listing_cells AS c
        (level, kind, cx, cy, listings, free_beds, sum_lon, sum_lat, sum_id)
    SELECT lvl, d.kind,
           floor(d.x / (360.0 / 2 ^ lvl))::integer, floor(d.y / (360.0 / 2 ^ lvl))::integer,
           sum(d.sign), sum(d.sign * coalesce(d.free_beds, 0)),
           sum(d.sign * d.x), sum(d.sign * d.y), sum(d.sign * d.id::bigint)
    FROM unnest(deltas) AS d CROSS JOIN generate_series(3, 16) AS lvl
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (level, kind, cx, cy) DO UPDATE SET
        listings = c.listings + excluded.listings,
        free_beds = c.free_beds + excluded.free_beds,
        sum_lon = c.sum_lon + excluded.sum_lon,
        sum_lat = c.sum_lat + excluded.sum_lat,
        sum_id = c.sum_id + excluded.sum_id;
    DELETE FROM listing_cells AS c
    USING (
        SELECT DISTINCT lvl, d.kind,
               floor(d.x / (360.0 / 2 ^ lvl))::integer AS cx,
               floor(d.y / (360.0 / 2 ^ lvl))::integer AS cy
        FROM unnest(deltas) AS d CROSS JOIN generate_series(3, 16) AS lvl
        WHERE d.sign < 0
    ) AS touched
    WHERE c.listings = 0 AND c.level = touched.lvl AND c.kind = touched.kind
      AND c.cx = touched.cx AND c.cy = touched.cy;
$$;

-- Statement triggers with transition tables: one set-based upsert per statement, however
-- many rows it wrote (a sweep that expires thousands of listings is one upsert). The
-- planner cannot estimate transition tables and would JIT-compile every small update.
CREATE FUNCTION listings_cells_after_insert() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    deltas listing_cell_delta[] := ARRAY(
        SELECT ROW(1, n.kind, n.free_beds, n.id,
                   ST_X(n.location::geometry), ST_Y(n.location::geometry))::listing_cell_delta
        FROM new_rows AS n WHERE n.status = 'published'
    );
BEGIN
    IF cardinality(deltas) > 0 THEN
        PERFORM listing_cells_apply(deltas);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION listings_cells_after_update() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    deltas listing_cell_delta[] := ARRAY(
        SELECT ROW(side.sign, side.kind, side.free_beds, side.id,
                   ST_X(side.location::geometry), ST_Y(side.location::geometry)
               )::listing_cell_delta
        FROM old_rows AS o
        JOIN new_rows AS n ON n.id = o.id
        CROSS JOIN LATERAL (
            SELECT -1 AS sign, o.kind, o.free_beds, o.id, o.location
            WHERE o.status = 'published'
            UNION ALL
            SELECT 1, n.kind, n.free_beds, n.id, n.location
            WHERE n.status = 'published'
        ) AS side
        -- Only rows whose counted columns changed (an edited title moves nothing).
        WHERE o.status IS DISTINCT FROM n.status
           OR o.kind IS DISTINCT FROM n.kind
           OR o.free_beds IS DISTINCT FROM n.free_beds
           OR NOT ST_Equals(o.location::geometry, n.location::geometry)
    );
BEGIN
    IF cardinality(deltas) > 0 THEN
        PERFORM listing_cells_apply(deltas);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION listings_cells_after_delete() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    deltas listing_cell_delta[] := ARRAY(
        SELECT ROW(-1, o.kind, o.free_beds, o.id,
                   ST_X(o.location::geometry), ST_Y(o.location::geometry))::listing_cell_delta
        FROM old_rows AS o WHERE o.status = 'published'
    );
BEGIN
    IF cardinality(deltas) > 0 THEN
        PERFORM listing_cells_apply(deltas);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER listings_cells_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_cells_after_insert();
CREATE TRIGGER listings_cells_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_cells_after_update();
CREATE TRIGGER listings_cells_delete AFTER DELETE ON listings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_cells_after_delete();

CREATE FUNCTION listing_cells_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM listing_cells;
    INSERT INTO listing_cells
        (level, kind, cx, cy, listings, free_beds, sum_lon, sum_lat, sum_id)
    SELECT lvl, kind, floor(x / (360.0 / 2 ^ lvl))::integer,
           floor(y / (360.0 / 2 ^ lvl))::integer,
           count(*), sum(coalesce(free_beds, 0)), sum(x), sum(y), sum(id)
    FROM (
        SELECT kind, free_beds, id,
               ST_X(location::geometry) AS x, ST_Y(location::geometry) AS y
        FROM listings WHERE status = 'published'
    ) AS published
    CROSS JOIN generate_series(3, 16) AS lvl
    GROUP BY 1, 2, 3, 4;
$$;
"""

CELLS_DROP = """
DROP TRIGGER IF EXISTS listings_cells_insert ON listings;
DROP TRIGGER IF EXISTS listings_cells_update ON listings;
DROP TRIGGER IF EXISTS listings_cells_delete ON listings;
DROP FUNCTION IF EXISTS listings_cells_after_insert();
DROP FUNCTION IF EXISTS listings_cells_after_update();
DROP FUNCTION IF EXISTS listings_cells_after_delete();
DROP FUNCTION IF EXISTS listing_cells_rebuild();
DROP FUNCTION IF EXISTS listing_cells_apply(listing_cell_delta[]);
DROP TYPE IF EXISTS listing_cell_delta;
"""


def upgrade() -> None:
    op.create_table(
        "listing_cells",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("listings", sa.Integer(), nullable=False),
        sa.Column("free_beds", sa.BigInteger(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.Column("sum_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("level", "kind", "cx", "cy", name=op.f("pk_listing_cells")),
    )
    op.create_geospatial_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("street", sa.String(length=200), server_default="", nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column(
            "location",
            Geography(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeogFromText",
                name="geography",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("rooms", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("area_m2", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("max_occupants", sa.Integer(), nullable=True),
        sa.Column("rent_cold", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("utilities", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("available_until", sa.Date(), nullable=True),
        sa.Column("furnished", sa.Boolean(), nullable=True),
        sa.Column("accessible", sa.Boolean(), nullable=True),
        sa.Column("pets_allowed", sa.Boolean(), nullable=True),
        sa.Column("free_beds", sa.Integer(), nullable=True),
        sa.Column("beds_male", sa.Integer(), nullable=True),
        sa.Column("beds_female", sa.Integer(), nullable=True),
        sa.Column("beds_family", sa.Integer(), nullable=True),
        sa.Column("beds_mixed", sa.Integer(), nullable=True),
        sa.Column("accessible_beds", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("shelter_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "listed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag_reason", sa.String(length=500), nullable=True),
        sa.Column("flagged_by_id", sa.Integer(), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reserved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind <> 'beds' OR (free_beds IS NOT NULL AND source IS NOT NULL)",
            name=op.f("ck_listings_beds_fields"),
        ),
        sa.CheckConstraint(
            "kind <> 'flat' OR max_occupants IS NOT NULL", name=op.f("ck_listings_flat_occupants")
        ),
        sa.CheckConstraint("kind IN ('flat', 'beds')", name=op.f("ck_listings_kind")),
        sa.CheckConstraint(
            "source IS NULL OR source IN ('manual', 'registry')", name=op.f("ck_listings_source")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'reserved', 'let', 'withdrawn', 'expired')",
            name=op.f("ck_listings_status"),
        ),
        sa.CheckConstraint(
            "accessible_beds >= 0", name=op.f("ck_listings_accessible_beds_non_negative")
        ),
        sa.CheckConstraint("area_m2 >= 0", name=op.f("ck_listings_area_m2_non_negative")),
        sa.CheckConstraint(
            "available_until IS NULL OR available_from IS NULL"
            " OR available_until >= available_from",
            name=op.f("ck_listings_available_range"),
        ),
        sa.CheckConstraint("beds_family >= 0", name=op.f("ck_listings_beds_family_non_negative")),
        sa.CheckConstraint("beds_female >= 0", name=op.f("ck_listings_beds_female_non_negative")),
        sa.CheckConstraint("beds_male >= 0", name=op.f("ck_listings_beds_male_non_negative")),
        sa.CheckConstraint("beds_mixed >= 0", name=op.f("ck_listings_beds_mixed_non_negative")),
        sa.CheckConstraint(
            "char_length(description) <= 20000", name=op.f("ck_listings_description_length")
        ),
        sa.CheckConstraint("free_beds >= 0", name=op.f("ck_listings_free_beds_non_negative")),
        sa.CheckConstraint(
            "max_occupants >= 0", name=op.f("ck_listings_max_occupants_non_negative")
        ),
        sa.CheckConstraint("rent_cold >= 0", name=op.f("ck_listings_rent_cold_non_negative")),
        sa.CheckConstraint("rooms >= 0", name=op.f("ck_listings_rooms_non_negative")),
        sa.CheckConstraint("utilities >= 0", name=op.f("ck_listings_utilities_non_negative")),
        sa.ForeignKeyConstraint(
            ["flagged_by_id"],
            ["users.id"],
            name=op.f("fk_listings_flagged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_listings_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_listings_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reserved_by_id"],
            ["users.id"],
            name=op.f("fk_listings_reserved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
    )
    op.create_index(
        "ix_listings_expires_at",
        "listings",
        ["expires_at"],
        unique=False,
        postgresql_where="status = 'published'",
    )
    op.create_geospatial_index(
        "ix_listings_location",
        "listings",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_listings_location_geometry",
        "listings",
        [sa.literal_column("(location::geometry)")],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_listings_organization_id"), "listings", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_listings_owner_id"), "listings", ["owner_id"], unique=False)
    op.create_index(op.f("ix_listings_shelter_id"), "listings", ["shelter_id"], unique=False)
    op.create_index(
        "ix_listings_status_listed_at", "listings", ["status", "listed_at", "id"], unique=False
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column(
            "payload", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"], unique=False)
    op.create_geospatial_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "filters", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "area",
            Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_searches_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_geospatial_index(
        "ix_saved_searches_area",
        "saved_searches",
        ["area"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_saved_searches_owner_id"), "saved_searches", ["owner_id"], unique=False
    )

    # Published listings counted per grid cell at levels 3..16 (cell = 360 / 2**level
    # degrees), so that the map's clusters read a few hundred rows whatever the table size.
    # Statement triggers keep the counts in the same transaction as every write to
    # listings; listing_cells_rebuild() recomputes them after bulk loads with triggers off.
    # The levels must match exchange.listings.clusters.CELL_LEVELS.
    op.execute(CELLS_FUNCTIONS)


def downgrade() -> None:
    op.execute(CELLS_DROP)
    op.drop_index(op.f("ix_saved_searches_owner_id"), table_name="saved_searches")
    op.drop_geospatial_index(
        "ix_saved_searches_area",
        table_name="saved_searches",
        postgresql_using="gist",
        column_name="area",
    )
    op.drop_geospatial_table("saved_searches")
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_listings_status_listed_at", table_name="listings")
    op.drop_index(op.f("ix_listings_shelter_id"), table_name="listings")
    op.drop_index(op.f("ix_listings_owner_id"), table_name="listings")
    op.drop_index(op.f("ix_listings_organization_id"), table_name="listings")
    op.drop_index("ix_listings_location_geometry", table_name="listings", postgresql_using="gist")
    op.drop_geospatial_index(
        "ix_listings_location",
        table_name="listings",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_index(
        "ix_listings_expires_at", table_name="listings", postgresql_where="status = 'published'"
    )
    op.drop_geospatial_table("listings")
    op.drop_table("listing_cells")
