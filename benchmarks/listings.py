"""Listings benchmark (issue 16): a matrix of map searches, clusters, OGC pages and a
district's GeoJSON download at 10k and 1M listings, interleaved in one run.

    python -m benchmarks.listings                  # generate if needed, measure, print
    python -m benchmarks.listings --quick          # a tenth of the shapes, a minute or two
    python -m benchmarks.listings --explain-slowest 3
    python -m benchmarks.listings --sizes 200 2000 --repeat 5   # a quick try, small databases

Makes (or reuses) the databases exchange_bench_10k and exchange_bench_1m
(benchmarks/generate_listings.py), then times every shape of benchmarks/listings_shapes.py
through the HTTP API and as "the same SQL", both sizes, all interleaved in random order per
round after a warm-up, so that the noise of a shared machine falls on every figure alike.

"Through the HTTP API" means the Flask test client in this process, signed in with an
official's API token (Bearer): the whole WSGI stack without a socket. "The same SQL" is
what the listings service behind the shape (search_listings, listing_clusters,
ogc_page) sent to the database during that request, captured with a SQLAlchemy event
and replayed verbatim with psycopg, unprepared like the app's, rows fetched.

For every shape: 1M / 10k via the API ≤ 2 (filtered clusters at country zoom ≤ 3), and API
/ SQL ≤ 3. The download of a district returns a hundred times as many features at 1M as at
10k, so its growth is per feature. Results go to benchmarks/results/listings.json.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
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
from benchmarks.listings_shapes import (
    OGC_ITEMS,
    OGC_LIMIT,
    Shape,
    cluster_shapes,
    download_shape,
    ogc_shapes,
    search_shapes,
)

SIZES = (10_000, 1_000_000)  # small, large: listings in the database

TARGET_API_VS_SQL = 3.0
TARGET_GROWTH = 2.0
TARGET_GROWTH_COUNTRY_FILTERED = 3.0

# A SELECT that reads one of the listings tables (listings, listing_cells, …).
LISTINGS_SQL = re.compile(r"\b(FROM|JOIN)\s+listing\w*", re.IGNORECASE)


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

    That is the service's own SQL, with the loads of what it presents (organisations,
    owners); the token check before it and the serialisation after it are what the API
    adds. Falls back to every SELECT on a listings table when the service is not found."""
    from sqlalchemy import event

    from exchange.extensions import db
    from exchange.listings import clusters, ogc_pages, search

    module = {"search_listings": search, "listing_clusters": clusters,
              "ogc_page": ogc_pages}[service]
    with site.app.app_context():
        engine = db.engine
    statements: list[tuple[str, object, bool]] = []
    inside = [False]
    original = getattr(module, service, None)

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
        setattr(module, service, wrapped)
    try:
        response = site.get(path)
    finally:
        if original is not None:
            setattr(module, service, original)
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


def answer_size(body: dict) -> int:
    """Items, clusters' listings or features in an answer: what "counts stay exact" reads."""
    if "clusters" in body:
        return sum(cluster["count"] for cluster in body["clusters"])
    return len(body.get("items", body.get("features", [])))


def _ogc_matrix(site: ListingsSite, quick: bool) -> list[Shape]:
    """The OGC shapes of that database: the deep offset depends on how many it holds, and
    the deep `next` link is the one the page before it gives."""
    first = check(site.get(f"{OGC_ITEMS}?limit=1"), "ogc count")
    matched = first["numberMatched"]
    deep = max(int(matched * 0.9) // OGC_LIMIT * OGC_LIMIT, OGC_LIMIT)
    before = check(site.get(f"{OGC_ITEMS}?limit={OGC_LIMIT}&offset={deep - OGC_LIMIT}"),
                   "ogc page before the deep one")
    nexts = [link["href"] for link in before["links"] if link["rel"] == "next"]
    next_path = None
    if nexts:
        href = nexts[0]
        next_path = href[href.index("/ogc/"):]
    return ogc_shapes(matched, next_path, quick)


def measure(repeat: int, warmup: int, quick: bool, seed: int = 1,
            sizes: tuple[int, int] = SIZES, explain_plans: bool = False) -> dict:
    sites = {size: open_site(database_url(size)) for size in sizes}
    tasks: dict[str, Callable[[], object]] = {}
    info: dict[str, dict] = {}
    shapes_by_size = {}
    for size, site in sites.items():
        shapes = [*search_shapes(quick), *cluster_shapes(quick), *_ogc_matrix(site, quick)]
        if not quick:
            shapes.append(download_shape())
        shapes_by_size[size] = shapes
        for shape in shapes:
            response, statements = capture(site, shape.path, shape.service)
            body = check(response, f"{shape.name} at {size}")
            if not statements:
                raise SystemExit(f"{shape.name}: no SQL on listings captured")
            key = f"{shape.name} {size}"
            info[key] = {
                "path": shape.path, "family": shape.family, "answer": answer_size(body),
                "bytes": len(response.get_data()),
                "sql": [statement for statement, _ in statements],
                "request_statements": len(site.captured[shape.path]),
                "matched": body.get("numberMatched"),
            }
            if explain_plans:
                info[key]["plans"] = explain(site, statements)
            info[key]["statements"] = statements
            tasks[f"api {key}"] = lambda s=site, p=shape.path: s.get(p)
            tasks[f"sql {key}"] = lambda s=site, st=statements: run_sql(s, st)
    samples = interleaved(tasks, [[name] for name in tasks], repeat, warmup, seed)
    return {"samples": samples, "info": info, "sites": sites,
            "shapes": shapes_by_size[sizes[1]]}


def figures(measured: dict, sizes: tuple[int, int] = SIZES) -> list[dict]:
    median = medians(measured["samples"])
    info = measured["info"]
    small, large = sizes
    growth = f"{size_label(large)}/{size_label(small)}"
    rows = []
    for shape in measured["shapes"]:
        name = shape.name
        big, little = f"{name} {large}", f"{name} {small}"
        if little not in info:
            continue
        api_large, api_small = median[f"api {big}"], median[f"api {little}"]
        sql_large = median[f"sql {big}"]
        if shape.family == "download":
            per_large = api_large / max(info[big]["answer"], 1)
            per_small = api_small / max(info[little]["answer"], 1)
            rows.append(target_row(f"{name}, {growth} per feature", per_large / per_small, "×",
                                   TARGET_GROWTH,
                                   f"{api_large:.1f} ms for {info[big]['answer']:,} / "
                                   f"{api_small:.1f} ms for {info[little]['answer']:,}"))
        else:
            target = TARGET_GROWTH
            if name.startswith("clusters country") and not name.endswith(" none"):
                target = TARGET_GROWTH_COUNTRY_FILTERED
            rows.append(target_row(f"{name}, {growth}", api_large / api_small, "×", target,
                                   f"{api_large:.2f} / {api_small:.2f} ms"))
        rows.append(target_row(f"{name}, API/SQL at {size_label(large)}",
                               api_large / sql_large, "×", TARGET_API_VS_SQL,
                               f"{api_large:.2f} / {sql_large:.2f} ms"))
    return rows


def slowest(measured: dict, large: int, count: int) -> list[str]:
    """The names of the shapes slowest through the API at the large size."""
    median = medians(measured["samples"])
    names = [shape.name for shape in measured["shapes"]
             if f"api {shape.name} {large}" in median]
    return sorted(names, key=lambda name: -median[f"api {name} {large}"])[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per figure")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    parser.add_argument("--quick", action="store_true", help="a tenth of the shapes")
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--reuse", action="store_true",
                        help="keep databases that hold their N listings even if made from "
                        "older migrations (migrated to head instead)")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of the SQL behind every shape")
    parser.add_argument("--explain-slowest", type=int, default=1, metavar="N",
                        help="print EXPLAIN ANALYZE of the N slowest shapes at the large size")
    parser.add_argument("--only", help="only shapes whose name contains this")
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"),
                        help="listings in the two databases compared")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes)

    for size in sizes:
        if args.reuse:
            from benchmarks.generate_listings import reuse
            reuse(size)
        else:
            generate(size, fresh=args.fresh)
    measured = measure(args.repeat, args.warmup, args.quick, sizes=sizes,
                       explain_plans=args.explain)
    if args.only:
        measured["shapes"] = [s for s in measured["shapes"] if args.only in s.name]
    rows = figures(measured, sizes)
    load = os.getloadavg()
    print_table(rows, f"medians over {args.repeat} interleaved requests each; load average "
                      f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; the machine is shared, "
                      "so only the ratios mean something")
    failed = [row for row in rows if row["pass"] is False]
    print(f"{len(rows) - len(failed)} of {len(rows)} figures pass")
    large = sizes[1]
    for name in slowest(measured, large, args.explain_slowest):
        site = measured["sites"][large]
        details = measured["info"][f"{name} {large}"]
        for number, plan in enumerate(explain(site, details["statements"]), 1):
            print(f"\n== slowest at {size_label(large)}: {name} ({details['path']}), "
                  f"statement {number}\n{details['sql'][number - 1]}\n{plan}")
    for site in measured["sites"].values():
        site.conn.close()
    for details in measured["info"].values():
        details.pop("statements", None)
    spread = {name: round(statistics.quantiles(values, n=10)[-1], 3)
              for name, values in measured["samples"].items() if len(values) >= 2}
    write_results("listings", {
        "client": "Flask test client in-process, Bearer API token",
        "repeat": args.repeat, "warmup": args.warmup, "quick": args.quick, "load": load,
        "figures": rows,
        "medians_ms": {name: round(value, 3)
                       for name, value in medians(measured["samples"]).items()},
        "p90_ms": spread,
        "details": measured["info"],
    })
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
