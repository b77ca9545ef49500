"""Smoke test of the registry benchmark generator at 400 persons, in a database of its own.

The generator runs in a subprocess (it builds its own app to migrate and publish), as it
is run by hand. The benchmark itself (benchmarks/capacity.py) is not run by the tests.
"""

from __future__ import annotations

from tests.benchmarks.conftest import Generator, scalar

PERSONS = 400

GENERATOR = Generator("generate_registry", PERSONS, "registry_generator")


def test_generates_a_housed_registry_and_publishes_its_shelters(no_transaction):
    with GENERATOR.fresh() as (output, conn):
        assert f"persons: {PERSONS} rows copied" in output
        persons, nationalities, households = conn.execute(
            "SELECT count(*), count(DISTINCT nationality), count(DISTINCT household_id)"
            " FROM persons"
        ).fetchone()
        assert persons == PERSONS
        assert nationalities >= 4
        assert households > 20
        housed = scalar(conn, "SELECT count(*) FROM occupancies WHERE upper_inf(period)")
        assert 0.8 * PERSONS < housed < PERSONS  # some wait for a bed
        # The benchmark shelter: 200 beds, 150 occupied, 5 in reserve → 45 published.
        total, occupied, free_beds, status = conn.execute(
            "SELECT c.total, c.occupied, l.free_beds, l.status FROM shelters AS s"
            " JOIN capacity_counts AS c ON c.shelter_id = s.id"
            " JOIN listings AS l ON l.id = s.listing_id WHERE s.id = 1"
        ).fetchone()
        assert (total, occupied, free_beds, status) == (200, 150, 45, "published")
        # The counters equal a fresh count (rebuilt after the load with triggers off).
        before = conn.execute("SELECT * FROM capacity_counts ORDER BY shelter_id").fetchall()
        conn.execute("SELECT capacity_counts_rebuild()")
        assert conn.execute(
            "SELECT * FROM capacity_counts ORDER BY shelter_id"
        ).fetchall() == before
        conn.rollback()
        # Every published shelter has its registry listing; the exclusion constraints
        # and secondary indexes are back.
        assert scalar(conn, "SELECT count(*) FROM shelters"
                            " WHERE publish_capacity AND listing_id IS NULL") == 0
        assert scalar(conn, "SELECT count(*) FROM pg_constraint"
                            " WHERE conrelid = 'occupancies'::regclass AND contype = 'x'") == 2
        assert scalar(conn, "SELECT to_regclass('ix_persons_name_trgm')") is not None

    assert f"already holds {PERSONS} persons, not regenerated" in GENERATOR.run()
