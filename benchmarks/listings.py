"""Listings benchmark: map search and clusters at 10k and 1M listings, in one run.

    python -m benchmarks.listings                  # generate if needed, measure, print
    python -m benchmarks.listings --repeat 50 --explain
    python -m benchmarks.listings --sizes 200 2000 --repeat 5   # a quick try, small databases

Makes (or reuses) the databases exchange_bench_10k and exchange_bench_1m
(benchmarks/generate_listings.py), then measures, interleaved in random order per round so
that the noise of a shared machine falls on every figure alike, after a warm-up:

(a) a city viewport search (10 × 10 km around the city centre, published, newest first,
    a page of 50) through the HTTP API vs the same SQL run directly with psycopg;
(b) that API search at 1M vs 10k listings;
(c) the clusters of all Germany (bbox 5.5,47,15.5,55.2, zoom 6): number, size, 1M vs 10k.

"Through the HTTP API" means the Flask test client in this process, signed in with an API
token (Bearer): every request runs the whole WSGI stack (routing, token check, argument
parsing, visibility, the service, serialisation to JSON bytes) without a socket. "The same
SQL" is what the listings service (search_listings, listing_clusters) sent to the database
during that request, captured with a SQLAlchemy event and replayed verbatim with its
parameters on a psycopg connection, unprepared like the app's, rows fetched. Ratios are
medians measured side by side in one run; the absolute milliseconds are printed for
context only. `--sizes` measures two other sizes than 10k and 1M (the databases are named
after them). Results go to benchmarks/results/listings.json.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from benchmarks.common import (
    Site,
    api_headers,
    bench_app,
    interleaved,
    medians,
    print_table,
    size_label,
    target_row,
    write_results,
)
from benchmarks.generate_listings import BENCH_OFFICIAL_EMAIL, database_url, generate

SIZES = (10_000, 1_000_000)  # small, large: listings in the database

# City centres for the viewport searches: (lat, lon).
VIEWPORT_CITIES = {"Osnabrück": (52.2799, 8.0472), "Hamburg": (53.5511, 9.9937)}
VIEWPORT_KM = 10
PAGE = 50
GERMANY_BBOX = "5.5,47,15.5,55.2"
GERMANY_ZOOM = 6

TARGET_API_VS_SQL = 3.0
TARGET_SEARCH_GROWTH = 1.5
TARGET_CLUSTERS = 500
TARGET_CLUSTERS_KB = 300
TARGET_CLUSTERS_GROWTH = 3.0

# A SELECT that reads one of the listings tables (listings, listing_cells, …).
LISTINGS_SQL = re.compile(r"\b(FROM|JOIN)\s+listing\w*", re.IGNORECASE)


def viewport(lat: float, lon: float, km: float = VIEWPORT_KM) -> str:
    """bbox=minLon,minLat,maxLon,maxLat of a km × km square centred on the point."""
    half_lat = km / 2 / 111.2
    half_lon = km / 2 / (111.2 * math.cos(math.radians(lat)))
    return f"{lon - half_lon:.5f},{lat - half_lat:.5f},{lon + half_lon:.5f},{lat + half_lat:.5f}"


def search_path(city: str) -> str:
    lat, lon = VIEWPORT_CITIES[city]
    return f"/api/v1/listings?bbox={viewport(lat, lon)}&sort=newest&limit={PAGE}"


CLUSTERS_PATH = f"/api/v1/listings/clusters?bbox={GERMANY_BBOX}&zoom={GERMANY_ZOOM}"


@dataclass
class ListingsSite(Site):
    """A listings database, signed in as an official; the SQL each path sent."""

    captured: dict[str, list[str]] = field(default_factory=dict)


def open_site(url: str) -> ListingsSite:
    """The app on that database (production-like settings) and an official's API token."""
    app = bench_app(url)
    headers = api_headers(app, BENCH_OFFICIAL_EMAIL)
    # The same connection settings as the app's: time zone, and statements never prepared
    # (custom plans; see SQLALCHEMY_ENGINE_OPTIONS in exchange/config.py).
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})
    direct = psycopg.connect(url, **{**connect_args, "autocommit": True})
    return ListingsSite(url, app, app.test_client(), headers, direct)


def capture(site: ListingsSite, path: str, service: str) -> tuple[object, list[tuple[str, object]]]:
    """One API request, and the SQL that the named listings service sent while it ran.

    That is the search's (or the clusters') own SQL, with the loads of what it presents
    (organisations, owners); the token check before it and the serialisation after it
    are what the API adds. Falls back to every SELECT on a listings table when the
    service is not found."""
    from sqlalchemy import event

    from exchange.extensions import db
    from exchange.listings import clusters, search

    services = {"search_listings": search, "listing_clusters": clusters}[service]

    with site.app.app_context():
        engine = db.engine
    statements: list[tuple[str, object, bool]] = []
    inside = [False]
    original = getattr(services, service, None)

    def wrapped(*args, **kwargs):
        inside[0] = True
        try:
            return original(*args, **kwargs)
        finally:
            inside[0] = False

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters, inside[0]))

    event.listen(engine, "before_cursor_execute", record)
    if original is not None:
        setattr(services, service, wrapped)
    try:
        response = site.get(path)
    finally:
        if original is not None:
            setattr(services, service, original)
        event.remove(engine, "before_cursor_execute", record)
    chosen = [(statement, parameters) for statement, parameters, during in statements if during]
    if not chosen:
        chosen = [
            (statement, parameters)
            for statement, parameters, _during in statements
            if statement.lstrip().upper().startswith(("SELECT", "WITH"))
            and LISTINGS_SQL.search(statement)
        ]
    site.captured[path] = [statement for statement, _parameters, _during in statements]
    return response, chosen


def run_sql(site: ListingsSite, statements: list[tuple[str, object]]) -> int:
    rows = 0
    with site.conn.cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            rows += len(cursor.fetchall())
    return rows


def explain(site: ListingsSite, statements: list[tuple[str, object]]) -> list[str]:
    plans = []
    with psycopg.ClientCursor(site.conn) as cursor:
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def check(response, what: str) -> dict:
    if response.status_code != 200:
        raise SystemExit(
            f"{what}: HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}"
        )
    return response.get_json()


def measure(repeat: int, warmup: int, explain_plans: bool, seed: int = 1,
            sizes: tuple[int, int] = SIZES) -> dict:
    sites = {size: open_site(database_url(size)) for size in sizes}
    tasks: dict[str, Callable[[], object]] = {}
    info: dict[str, dict] = {}
    for size, site in sites.items():
        for city in VIEWPORT_CITIES:
            path = search_path(city)
            response, statements = capture(site, path, "search_listings")
            body = check(response, f"search {city} at {size}")
            if not statements:
                raise SystemExit(f"search {city}: no SQL on listings captured")
            items = body.get("items", body.get("features", []))
            info[f"search {city} {size}"] = {
                "path": path, "items": len(items), "bytes": len(response.get_data()),
                "sql": [statement for statement, _ in statements],
                "sql_rows": run_sql(site, statements),
                "request_statements": len(site.captured[path]),
            }
            if explain_plans:
                info[f"search {city} {size}"]["plans"] = explain(site, statements)
            tasks[f"api {city} {size}"] = lambda s=site, p=path: s.get(p)
            tasks[f"sql {city} {size}"] = lambda s=site, st=statements: run_sql(s, st)
        response, statements = capture(site, CLUSTERS_PATH, "listing_clusters")
        body = check(response, f"clusters at {size}")
        info[f"clusters {size}"] = {
            "path": CLUSTERS_PATH, "clusters": len(body["clusters"]),
            "bytes": len(response.get_data()),
            "listings": sum(c["count"] for c in body["clusters"]),
            "sql": [statement for statement, _ in statements],
            "request_statements": len(site.captured[CLUSTERS_PATH]),
        }
        if explain_plans and statements:
            info[f"clusters {size}"]["plans"] = explain(site, statements)
        tasks[f"clusters {size}"] = lambda s=site: s.get(CLUSTERS_PATH)

    samples = interleaved(tasks, [[name] for name in tasks], repeat, warmup, seed)
    for site in sites.values():
        site.conn.close()
    return {"samples": samples, "info": info}


def figures(measured: dict, sizes: tuple[int, int] = SIZES) -> list[dict]:
    median = medians(measured["samples"])
    info = measured["info"]
    small, large = sizes
    growth = f"{size_label(large)} / {size_label(small)}"
    rows = []
    for city in VIEWPORT_CITIES:
        for size in (large, small):
            api, sql = median[f"api {city} {size}"], median[f"sql {city} {size}"]
            rows.append(target_row(f"(a) {city} search, API / SQL, {size:,} listings",
                                   api / sql, "×", TARGET_API_VS_SQL,
                                   f"{api:.2f} ms / {sql:.2f} ms"))
        slow, fast = median[f"api {city} {large}"], median[f"api {city} {small}"]
        rows.append(target_row(f"(b) {city} search via API, {growth}", slow / fast, "×",
                               TARGET_SEARCH_GROWTH, f"{slow:.2f} ms / {fast:.2f} ms"))
    clusters = info[f"clusters {large}"]
    rows.append(target_row(f"(c) Germany clusters at {size_label(large)}, count",
                           clusters["clusters"], "", TARGET_CLUSTERS,
                           f"{clusters['listings']:,} listings in them"))
    rows.append(target_row(f"(c) Germany clusters at {size_label(large)}, size",
                           clusters["bytes"] / 1024, "KB", TARGET_CLUSTERS_KB))
    slow, fast = median[f"clusters {large}"], median[f"clusters {small}"]
    rows.append(target_row(f"(c) Germany clusters, {growth}", slow / fast, "×",
                           TARGET_CLUSTERS_GROWTH, f"{slow:.2f} ms / {fast:.2f} ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per figure")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of the SQL behind each figure")
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"),
                        help="listings in the two databases compared")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes)

    for size in sizes:
        generate(size, fresh=args.fresh)
    measured = measure(args.repeat, args.warmup, args.explain, sizes=sizes)
    rows = figures(measured, sizes)
    print_table(rows, f"medians over {args.repeat} interleaved requests each; the machine is "
                      "shared, so only the ratios mean something")
    if args.explain:
        for name, details in measured["info"].items():
            pairs = zip(details["sql"], details.get("plans", []), strict=False)
            for number, (statement, plan) in enumerate(pairs, 1):
                print(f"\n== {name}, statement {number}\n{statement}\n{plan}")

    write_results("listings", {
        "client": "Flask test client in-process, Bearer API token",
        "repeat": args.repeat, "warmup": args.warmup,
        "figures": rows,
        "medians_ms": {name: round(value, 3)
                       for name, value in medians(measured["samples"]).items()},
        "details": measured["info"],
    })
    return 0 if all(row["pass"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
