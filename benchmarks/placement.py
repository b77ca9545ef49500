"""Placement benchmark: matching a household to flats and a flat to households, at two sizes.

    python -m benchmarks.placement                       # 10k and 1M (generates if needed)
    python -m benchmarks.placement --sizes 10000 100000 --repeat 20
    python -m benchmarks.placement --reuse        # keep made databases, migrate them to head

For each size N one database (`exchange_bench_placement_10k`, …_1m; another prefix with
`BENCH_DATABASE_PREFIX`) holds N persons and N listings: the registry of
benchmarks/generate_registry.py (one district, households, shelters, occupancies) and the
listings of benchmarks/generate_listings.py (spread over Germany around ~55 cities) loaded
into the same database, then the district gets a municipality at each of those cities with
rent and size limits (sizes 1–5 and each further person, scaled to the city's rents), and
every household an assigned municipality (weighted by the city's population), one in 20
needing step-free access.

Measured, interleaved in random order per round after a warm-up, each the one SQL query
of exchange/placement/matching.py (through the app's session, as the service runs it):
(a) the flats that fit a household (households of 2–5 assigned to Berlin), and (b) the
waiting households that fit a flat (published flats in Berlin). Target: median at the
larger size / median at the smaller ≤ 2. Results go to benchmarks/results/placement.json.
"""

from __future__ import annotations

import argparse
import random
import time
from functools import partial
from pathlib import Path

import psycopg

from benchmarks import generate_listings, generate_registry
from benchmarks.common import (
    DEFAULT_SEED,
    TODAY,
    Generation,
    admin_connect,
    figure_row,
    fingerprint,
    generate_database,
    interleaved,
    medians,
    migrate,
    print_table,
    row_count,
    size_label,
    target_row,
    write_results,
)
from benchmarks.common import database_url as _database_url

SIZES = [10_000, 1_000_000]
SAMPLES = 20
#: Area limits per household size (m²) and the increment for each further person.
AREAS = {1: 50, 2: 65, 3: 80, 4: 95, 5: 110}
FURTHER_AREA = 15


def database_url(size: int) -> str:
    return _database_url(f"placement_{size_label(size).lower()}")


def _stamp(size: int, seed: int) -> str:
    return (f"exchange placement benchmark: {size} persons and listings, seed {seed},"
            f" code {fingerprint(Path(__file__))}"
            f" {fingerprint(Path(generate_listings.__file__))}"
            f" {fingerprint(Path(generate_registry.__file__))}")


def _load_listings(conn: psycopg.Connection, size: int, seed: int, say) -> None:
    rows = generate_listings.Rows(seed, generate_listings._owners(conn))
    conn.execute("ALTER TABLE listings DISABLE TRIGGER USER")
    columns = ", ".join(generate_listings.COLUMNS)
    with conn.cursor() as cursor, cursor.copy(f"COPY listings ({columns}) FROM STDIN") as copy:
        for _ in range(size):
            copy.write_row(rows.row())
    conn.execute("ALTER TABLE listings ENABLE TRIGGER USER")
    generate_listings._rebuild_cells(conn)
    say(f"{size} listings copied")


def _load_placement(conn: psycopg.Connection, seed: int, say) -> None:
    """Municipalities at the cities (below the registry's district), their limits, and
    every household's assigned municipality and step-free need."""
    rng = random.Random(seed)
    district_id = conn.execute(
        "SELECT id FROM organizations WHERE name = %s", (generate_registry.DISTRICT,)
    ).fetchone()[0]
    berlin = generate_listings.CITIES[0]
    conn.execute("UPDATE organizations SET location = ST_SetSRID(ST_MakePoint(%s, %s), 4326)"
                 " WHERE id = %s", (berlin.lon, berlin.lat, district_id))
    municipalities: list[tuple[int, int]] = []
    for number, city in enumerate(generate_listings.CITIES, start=1):
        municipality_id = conn.execute(
            "INSERT INTO organizations (name, kind, parent_id, ags, verified, location)"
            " VALUES (%s, 'municipality', %s, %s, true, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
            " RETURNING id",
            (f"Gemeinde {city.name}", district_id, f"99{number:06d}", city.lon, city.lat),
        ).fetchone()[0]
        municipalities.append((municipality_id, city.population))
        price = generate_listings.EXPENSIVE.get(city.name, 10.0)
        for size, area in AREAS.items():
            further = (round(FURTHER_AREA * (price * 1.1 + 3.0), 2), FURTHER_AREA) \
                if size == max(AREAS) else (None, None)
            conn.execute(
                "INSERT INTO rent_limits (district_id, municipality_id, household_size,"
                " valid_from, max_gross_rent, max_area_m2, further_person_rent,"
                " further_person_area_m2) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (district_id, municipality_id, size, TODAY.replace(day=1),
                 round(area * (price * 1.1 + 3.0), 2), area, *further))
    ids = [m for m, _population in municipalities]
    weights = [population for _m, population in municipalities]
    households = [row[0] for row in conn.execute("SELECT id FROM households ORDER BY id")]
    with conn.cursor() as cursor, cursor.copy(
        "COPY household_needs (household_id, assigned_municipality_id, needs_step_free,"
        " radius_km) FROM STDIN"
    ) as copy:
        for household_id in households:
            copy.write_row((household_id, rng.choices(ids, weights)[0], rng.random() < 0.05, 30))
    say(f"{len(ids)} municipalities with limits, {len(households)} households assigned")


def _fill(run: Generation, size: int, seed: int) -> None:
    with psycopg.connect(run.url) as conn:
        generate_registry.load(conn, size, seed, run.say)
        _load_listings(conn, size, seed, run.say)
        # The rows the triggers keep are made once after the bulk loads (triggers off).
        conn.execute("ALTER TABLE organizations DISABLE TRIGGER placement_municipality_moved")
        _load_placement(conn, seed, run.say)
        conn.execute("ALTER TABLE organizations ENABLE TRIGGER placement_municipality_moved")
        conn.execute("SELECT placement_listing_municipalities_rebuild()")
        conn.execute("SELECT placement_waiting_rebuild()")
    with psycopg.connect(run.url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    with admin_connect(run.url) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{run.name}\" IS '{run.stamp}'")
    run.say(f"{run.name}: made in {time.perf_counter() - run.started:.0f} s")


def generate(size: int, seed: int = DEFAULT_SEED, fresh: bool = False,
             reuse: bool = False) -> str:
    """The database of that size: made when missing or stale; with ``reuse`` one that holds
    its N persons is kept whatever code made it, migrated to head (the migrations fill
    their new tables) and analysed."""
    url = database_url(size)
    if reuse and not fresh and row_count(url, "persons") == size:
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return url
    return generate_database(database_url(size), _stamp(size, seed), "persons", size, fresh,
                             False, partial(_fill, size=size, seed=seed))


SAMPLE_HOUSEHOLDS = """
SELECT n.household_id FROM household_needs n
JOIN organizations m ON m.id = n.assigned_municipality_id AND m.name = 'Gemeinde Berlin'
WHERE (SELECT count(*) FROM persons p WHERE p.household_id = n.household_id) BETWEEN 2 AND 5
ORDER BY n.household_id LIMIT %s
"""
SAMPLE_FLATS = """
SELECT id FROM listings
WHERE kind = 'flat' AND status = 'published' AND city = 'Berlin'
  AND cardinality(placement_fits_households(placement_municipality_at(location), max_occupants,
                  rent_cold + coalesce(utilities, 0), area_m2, current_date)) > 0
ORDER BY id LIMIT %s
"""


def _site_tasks(label: str, url: str) -> tuple[dict, dict]:
    """The timed calls of one database (each the service's one SQL statement on a
    connection of its own), and what they found (for the context column)."""
    from sqlalchemy import create_engine

    from exchange.config import Config, normalise_database_url
    from exchange.placement import matching

    # The app's engine options (no JIT, no server-side prepares), as the service runs it.
    conn = create_engine(normalise_database_url(url), **Config.SQLALCHEMY_ENGINE_OPTIONS).connect()
    households = [r[0] for r in conn.exec_driver_sql(SAMPLE_HOUSEHOLDS, (SAMPLES,))]
    flats = [r[0] for r in conn.exec_driver_sql(SAMPLE_FLATS, (SAMPLES,))]
    conn.rollback()
    found: dict[str, list[int]] = {"flats": [], "households": []}
    day = TODAY

    def flats_for(household_id: int) -> None:
        rows = conn.execute(matching.FLATS_FOR_HOUSEHOLD, {
            "household_id": household_id, "today": day, "by": day, "limit": 20}).all()
        found["flats"].append(len(rows))
        conn.rollback()

    def households_for(listing_id: int) -> None:
        rows = conn.execute(matching.HOUSEHOLDS_FOR_FLAT, {
            "listing_id": listing_id, "today": day}).all()
        found["households"].append(sum(row.households for row in rows))
        conn.rollback()

    tasks = {}
    for index, household_id in enumerate(households):
        tasks[f"{label} flats {index}"] = partial(flats_for, household_id)
    for index, listing_id in enumerate(flats):
        tasks[f"{label} households {index}"] = partial(households_for, listing_id)
    return tasks, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES)
    parser.add_argument("--repeat", type=int, default=10, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="keep databases holding their N persons, migrated to head")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    small, large = args.sizes
    tasks, found = {}, {}
    for size in (small, large):
        label = size_label(size)
        url = generate(size, args.seed, args.fresh, args.reuse)
        site_tasks, found[label] = _site_tasks(label, url)
        tasks.update(site_tasks)
    units = [[name] for name in tasks]
    figures = medians(interleaved(tasks, units, args.repeat, args.warmup, args.seed))
    rows, results = [], {}
    for what, title in (("flats", "flats for a household"),
                        ("households", "households for a flat")):
        per_size = {}
        for size in (small, large):
            label = size_label(size)
            values = sorted(v for k, v in figures.items() if k.startswith(f"{label} {what} "))
            per_size[label] = values[len(values) // 2] if values else None
            counts = found[label][what]
            rows.append(figure_row(f"{title} at {label} (median ms)", per_size[label], "ms",
                                   detail=f"{len(values)} samples, found per call: "
                                   f"median {sorted(counts)[len(counts) // 2] if counts else 0}"))
        a, b = per_size[size_label(small)], per_size[size_label(large)]
        ratio = b / a if a and b else None
        rows.append(target_row(f"{title}: {size_label(large)} / {size_label(small)}", ratio, "×",
                               2, "medians side by side"))
        results[what] = {"per_size_ms": per_size, "ratio": ratio}
    print_table(rows, f"sizes {small} and {large} persons and listings, repeat {args.repeat}")
    write_results("placement", {"sizes": [small, large], "rows": rows, **results})
    return 0 if all(row["pass"] is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
