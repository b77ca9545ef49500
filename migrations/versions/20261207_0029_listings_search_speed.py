"""Listings at national scale (issue 16): published listings counted per block of ids,
for the OGC collection's total and deep offsets; covering indexes for radius searches.

- listing_id_blocks: published listings per block of 1,024 ids, kept by statement
  triggers like listing_cells (0003). `numberMatched` of the whole collection is a sum
  over ~1,000 rows at a million listings instead of a count of 800,000, and `offset=N`
  finds the block that holds the N-th published listing by a running sum and skips
  inside that block only.
- ix_listings_published_knn: a partial GiST index on the geography of published
  listings with the columns the search filters by (INCLUDE), so that a search by
  distance walks it nearest first and checks each filter from the index.
- ix_listings_published_newest gains those columns too, so that a newest-first walk
  checks radius and filters without reading the heap.
- ix_listings_published_id: the published listings' ids, walked by OGC pages.

See benchmarks/README.md ("Listings").

Revision ID: 0029
Revises: 0030
Create Date: 2026-12-07 14:00:00
"""

from alembic import op

revision = "0029"
down_revision = "0030"
branch_labels = None
depends_on = None

BLOCK = 1024

FILTER_COLUMNS = ("kind, max_occupants, free_beds, rent_cold, utilities, available_from, "
                  "available_until, valid_until, accessible, accessible_beds")

BLOCKS = f"""
CREATE TABLE listing_id_blocks (
    block integer PRIMARY KEY,
    published integer NOT NULL
);

CREATE FUNCTION listing_id_blocks_after_change() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_id_blocks AS b (block, published)
        SELECT n.id / {BLOCK}, count(*) FROM new_rows AS n WHERE n.status = 'published'
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (block) DO UPDATE SET published = b.published + excluded.published;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE listing_id_blocks AS b SET published = b.published - d.gone
        FROM (SELECT o.id / {BLOCK} AS block, count(*) AS gone FROM old_rows AS o
              WHERE o.status = 'published' GROUP BY 1) AS d
        WHERE b.block = d.block;
    ELSE
        INSERT INTO listing_id_blocks AS b (block, published)
        SELECT block, sum(delta) FROM (
            SELECT o.id / {BLOCK} AS block, -1 AS delta FROM old_rows AS o
            WHERE o.status = 'published'
            UNION ALL
            SELECT n.id / {BLOCK}, 1 FROM new_rows AS n WHERE n.status = 'published'
        ) AS d GROUP BY block HAVING sum(delta) <> 0 ORDER BY block
        ON CONFLICT (block) DO UPDATE SET published = b.published + excluded.published;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER listing_id_blocks_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_id_blocks_after_change();
CREATE TRIGGER listing_id_blocks_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_id_blocks_after_change();
CREATE TRIGGER listing_id_blocks_delete AFTER DELETE ON listings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_id_blocks_after_change();

CREATE FUNCTION listing_id_blocks_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM listing_id_blocks;
    INSERT INTO listing_id_blocks (block, published)
    SELECT id / {BLOCK}, count(*) FROM listings WHERE status = 'published' GROUP BY 1;
$$;

SELECT listing_id_blocks_rebuild();
"""

BLOCKS_DROP = """
DROP TRIGGER IF EXISTS listing_id_blocks_insert ON listings;
DROP TRIGGER IF EXISTS listing_id_blocks_update ON listings;
DROP TRIGGER IF EXISTS listing_id_blocks_delete ON listings;
DROP FUNCTION IF EXISTS listing_id_blocks_after_change();
DROP FUNCTION IF EXISTS listing_id_blocks_rebuild();
DROP TABLE IF EXISTS listing_id_blocks;
"""


INDEXES = f"""
CREATE INDEX ix_listings_published_knn ON listings USING gist (location)
    INCLUDE ({FILTER_COLUMNS}, listed_at) WHERE status = 'published';
DROP INDEX ix_listings_published_newest;
CREATE INDEX ix_listings_published_newest ON listings (listed_at DESC, id DESC)
    INCLUDE (location, {FILTER_COLUMNS}) WHERE status = 'published';
CREATE INDEX ix_listings_published_id ON listings (id) WHERE status = 'published';
"""

INDEXES_DROP = """
DROP INDEX IF EXISTS ix_listings_published_id;
DROP INDEX IF EXISTS ix_listings_published_knn;
DROP INDEX IF EXISTS ix_listings_published_newest;
CREATE INDEX ix_listings_published_newest ON listings (listed_at DESC, id DESC)
    INCLUDE (location) WHERE status = 'published';
"""


def upgrade() -> None:
    op.execute(BLOCKS)
    op.execute(INDEXES)


def downgrade() -> None:
    op.execute(INDEXES_DROP)
    op.execute(BLOCKS_DROP)
