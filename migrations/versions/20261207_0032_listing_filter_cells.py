"""Listings: per-cell counts by filter dimension (kind, accessible, beds, rent), so that the
map's filtered clusters read a bounded number of rows at any table size (issue 16).

listing_filter_cells holds, per grid level 3..12 and cell, the published listings by
kind, accessibility and beds (capped at BEDS_CAP) and, for the rent, a Fenwick tree over
the whole-euro warm rent: a listing with rent r adds itself to the ~12 nodes on the
update path of position least(r, RENT_CAP) + 1; the listings with rent ≤ m are the sum of
the ≤ 12 nodes on the prefix path of m + 1 (exact for whole-euro limits below RENT_CAP),
every listing with a rent is in node RENT_NODES, those without one in node 0. Kept by
statement triggers in the same transaction as every write to listings, like
listing_cells (0003); listing_filter_cells_rebuild() recomputes it after bulk loads.
Must match exchange/listings/cluster_cube.py.

Also two indexes for searches (exchange/listings/search.py): ix_listings_published_cell_newest
(by listing_walk_cell, a level-10 grid cell, then newest first, location and filter columns
included), walked once per cell of a radius searched newest first; ix_listings_accessible_knn,
a partial GiST index of the accessible published listings for nearest first with that
filter. See benchmarks/README.md ("Listings").

Revision ID: 0032
Revises: 0034
Create Date: 2026-12-07 17:30:00
"""

from alembic import op

revision = "0032"
down_revision = "0034"
branch_labels = None
depends_on = None

FIRST_LEVEL, LAST_LEVEL = 3, 12
BEDS_CAP = 10
RENT_CAP = 4094
RENT_NODES = 4096  # a power of two > RENT_CAP + 1: node RENT_NODES counts every rent
RENT_BITS = 12  # log2(RENT_NODES)
WALK_CELL = 360 / 2**10  # degrees: the grid cell of a newest-first walk (search.py)
FILTER_COLUMNS = ("kind, max_occupants, free_beds, rent_cold, utilities, available_from, "
                  "available_until, valid_until, accessible, accessible_beds")

# A listing's dimensions, the same in the delta builder and in the rebuild.
DIMENSIONS = f"""
    {{t}}.kind::text,
    ({{t}}.accessible IS TRUE OR coalesce({{t}}.accessible_beds, 0) > 0),
    coalesce(least(CASE WHEN {{t}}.kind = 'flat' THEN {{t}}.max_occupants
                        ELSE {{t}}.free_beds END, {BEDS_CAP}), -1)::smallint,
    CASE WHEN {{t}}.kind = 'flat' AND {{t}}.rent_cold IS NOT NULL
         THEN least(greatest(ceil({{t}}.rent_cold + coalesce({{t}}.utilities, 0)), 0),
                    {RENT_CAP})::integer + 1
         ELSE 0 END,
    coalesce({{t}}.free_beds, 0), {{t}}.id,
    ST_X({{t}}.location::geometry), ST_Y({{t}}.location::geometry)
"""

# The Fenwick nodes that hold position p (0: no rent, node 0 only).
NODES = f"""
    CROSS JOIN LATERAL (
        SELECT 0 AS node WHERE d.rent = 0
        UNION ALL
        SELECT ((d.rent + (1 << k) - 1) >> k) << k FROM generate_series(0, {RENT_BITS}) AS k
        WHERE d.rent > 0 AND ((d.rent + (1 << k) - 1) >> k) & 1 = 1
    ) AS f
    CROSS JOIN generate_series({FIRST_LEVEL}, {LAST_LEVEL}) AS lvl
"""

CELL = "floor(d.x / (360.0 / 2 ^ lvl))::integer, floor(d.y / (360.0 / 2 ^ lvl))::integer"

TRANSITIONS = {"insert": "NEW TABLE AS new_rows",
               "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "delete": "OLD TABLE AS old_rows"}
TRIGGERS = "".join(
    f"CREATE TRIGGER listing_filter_cells_{operation} AFTER {operation.upper()} ON listings"
    f" REFERENCING {tables} FOR EACH STATEMENT"
    " EXECUTE FUNCTION listing_filter_cells_after_change();\n"
    for operation, tables in TRANSITIONS.items()
)

ADD = ", ".join(f"{total} = c.{total} + excluded.{total}"
                for total in ("listings", "free_beds", "sum_lon", "sum_lat", "sum_id"))

CHANGED = ("status", "kind", "free_beds", "max_occupants", "rent_cold", "utilities",
           "accessible", "accessible_beds")

UPGRADE = f"""
CREATE TABLE listing_filter_cells (
    level smallint NOT NULL,
    node integer NOT NULL,
    cx integer NOT NULL,
    cy integer NOT NULL,
    kind text NOT NULL,
    accessible boolean NOT NULL,
    beds smallint NOT NULL,
    listings integer NOT NULL,
    free_beds bigint NOT NULL,
    sum_lon double precision NOT NULL,
    sum_lat double precision NOT NULL,
    sum_id bigint NOT NULL,
    CONSTRAINT pk_listing_filter_cells
        PRIMARY KEY (level, node, cx, cy, kind, accessible, beds)
);

CREATE TYPE listing_filter_delta AS (
    sign integer, kind text, accessible boolean, beds smallint, rent integer,
    free_beds integer, id integer, x double precision, y double precision
);

CREATE FUNCTION listing_filter_cells_apply(deltas listing_filter_delta[]) RETURNS void
LANGUAGE sql SET jit = off AS $$
    INSERT INTO listing_filter_cells AS c
        (level, node, cx, cy, kind, accessible, beds, listings, free_beds, sum_lon, sum_lat,
         sum_id)
    SELECT lvl, f.node, {CELL}, d.kind, d.accessible, d.beds,
           sum(d.sign), sum(d.sign * d.free_beds), sum(d.sign * d.x), sum(d.sign * d.y),
           sum(d.sign * d.id::bigint)
    FROM unnest(deltas) AS d {NODES}
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (level, node, cx, cy, kind, accessible, beds) DO UPDATE SET {ADD};
    DELETE FROM listing_filter_cells AS c
    USING (
        SELECT DISTINCT lvl, f.node, floor(d.x / (360.0 / 2 ^ lvl))::integer AS cx,
               floor(d.y / (360.0 / 2 ^ lvl))::integer AS cy, d.kind, d.accessible, d.beds
        FROM unnest(deltas) AS d {NODES}
        WHERE d.sign < 0
    ) AS touched
    WHERE c.listings = 0 AND c.level = touched.lvl AND c.node = touched.node
      AND c.cx = touched.cx AND c.cy = touched.cy AND c.kind = touched.kind
      AND c.accessible = touched.accessible AND c.beds = touched.beds;
$$;

-- One statement trigger for the three operations (transition tables: one set-based
-- upsert per statement however many rows it wrote).
CREATE FUNCTION listing_filter_cells_after_change() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    deltas listing_filter_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        deltas := ARRAY(SELECT ROW(1, {DIMENSIONS.format(t="n")})::listing_filter_delta
                        FROM new_rows AS n WHERE n.status = 'published');
    ELSIF TG_OP = 'DELETE' THEN
        deltas := ARRAY(SELECT ROW(-1, {DIMENSIONS.format(t="o")})::listing_filter_delta
                        FROM old_rows AS o WHERE o.status = 'published');
    ELSE
        -- Only rows whose counted columns changed (an edited title moves nothing).
        deltas := ARRAY(
            SELECT ROW(-1, {DIMENSIONS.format(t="o")})::listing_filter_delta
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE o.status = 'published' AND ({{changed}})
            UNION ALL
            SELECT ROW(1, {DIMENSIONS.format(t="n")})::listing_filter_delta
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE n.status = 'published' AND ({{changed}}));
    END IF;
    IF cardinality(deltas) > 0 THEN
        PERFORM listing_filter_cells_apply(deltas);
    END IF;
    RETURN NULL;
END $$;
{TRIGGERS}
CREATE FUNCTION listing_filter_cells_rebuild() RETURNS void LANGUAGE sql SET jit = off AS $$
    TRUNCATE listing_filter_cells;
    INSERT INTO listing_filter_cells
        (level, node, cx, cy, kind, accessible, beds, listings, free_beds, sum_lon, sum_lat,
         sum_id)
    SELECT lvl, f.node, {CELL}, d.kind, d.accessible, d.beds,
           count(*), sum(d.free_beds), sum(d.x), sum(d.y), sum(d.id::bigint)
    FROM (
        SELECT {DIMENSIONS.format(t="l")}
        FROM listings AS l WHERE l.status = 'published'
    ) AS d (kind, accessible, beds, rent, free_beds, id, x, y) {NODES}
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
$$;

SELECT listing_filter_cells_rebuild();
ANALYZE listing_filter_cells;

-- Newest first in a small area: one walk per grid cell of level 10 (~25 × 39 km) that the
-- area touches, merged (search.py); the area's share of each walk is high, so a rural
-- radius with a selective filter no longer walks the whole country's newest listings.
CREATE FUNCTION listing_walk_cell(location geography) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(public.ST_X(location::public.geometry) / {WALK_CELL})::integer * 1024
           + floor(public.ST_Y(location::public.geometry) / {WALK_CELL})::integer
$$;
CREATE INDEX ix_listings_published_cell_newest ON listings
    (listing_walk_cell(location), listed_at DESC, id DESC)
    INCLUDE (location, {FILTER_COLUMNS}) WHERE status = 'published';
-- Nearest first with accessible=true: the selective filter of the map, walked in an
-- index of its own, so that the KNN walk does not read the rows of the others.
CREATE INDEX ix_listings_accessible_knn ON listings USING gist (location)
    WHERE status = 'published' AND (accessible IS TRUE OR accessible_beds > 0);
""".replace(
    "{changed}",
    " OR ".join(f"o.{column} IS DISTINCT FROM n.{column}" for column in CHANGED)
    + " OR NOT ST_Equals(o.location::geometry, n.location::geometry)",
)

DOWNGRADE = "".join(
    f"DROP TRIGGER IF EXISTS listing_filter_cells_{operation} ON listings;\n"
    for operation in TRANSITIONS
) + """
DROP INDEX IF EXISTS ix_listings_accessible_knn;
DROP INDEX IF EXISTS ix_listings_published_cell_newest;
DROP FUNCTION IF EXISTS listing_walk_cell(geography);
DROP FUNCTION IF EXISTS listing_filter_cells_after_change();
DROP FUNCTION IF EXISTS listing_filter_cells_rebuild();
DROP FUNCTION IF EXISTS listing_filter_cells_apply(listing_filter_delta[]);
DROP TYPE IF EXISTS listing_filter_delta;
DROP TABLE IF EXISTS listing_filter_cells;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
