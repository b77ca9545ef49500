"""Smoke test of the benchmark data generator at 200 listings, in a database of its own.

The generator runs in a subprocess (it builds its own app to migrate), as it is run by hand.
"""

from __future__ import annotations

from tests.benchmarks.conftest import Generator, scalar

LISTINGS = 200

GENERATOR = Generator("generate_listings", LISTINGS, "bench_generator")


def test_generates_listings_over_germany_and_skips_when_present(no_transaction):
    with GENERATOR.fresh() as (output, conn):
        assert f"{LISTINGS} rows copied" in output
        total, published, kinds, organizations = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published'),"
            " count(DISTINCT kind), count(DISTINCT organization_id) FROM listings"
        ).fetchone()
        assert total == LISTINGS
        assert published > LISTINGS / 2
        assert kinds == 2
        assert organizations >= 3
        outside = scalar(conn, "SELECT count(*) FROM listings WHERE NOT ST_Intersects("
                               "location::geometry, ST_MakeEnvelope(5.9, 47.3, 15.0, 55.0, 4326))")
        assert outside == 0
        # Published listings have a future expiry; flats a rent, beds a count.
        assert scalar(conn, "SELECT count(*) FROM listings WHERE status = 'published'"
                            " AND (expires_at <= now() OR confirmed_at > now())") == 0
        assert scalar(conn, "SELECT count(*) FROM listings WHERE kind = 'flat' AND"
                            " (rent_cold IS NULL OR rent_cold <= 0)"
                            " OR kind = 'beds' AND free_beds IS NULL") == 0
        # The map's cell counts were rebuilt after the load (trigger off during COPY).
        if conn.execute("SELECT to_regclass('listing_cells')").fetchone()[0] is not None:
            cells = scalar(conn, "SELECT coalesce(sum(listings), 0) FROM listing_cells"
                                 " WHERE level = 6")
            assert cells == published
        analysed = scalar(conn, "SELECT reltuples FROM pg_class WHERE relname = 'listings'")
        assert analysed > 0

    assert "already holds 200 listings, not regenerated" in GENERATOR.run()
