"""Listings under load (issue 16 point 2): 20 simulated map users against gunicorn as
deployed, at 1M listings, against the same SQL run by 20 threads on the database.

    python -m benchmarks.listings_load                       # 20 users, 2 × 30 s per side
    python -m benchmarks.listings_load --worker-class gthread --threads 100 --seconds 20

Each user repeats, around one of ten cities drawn at random, one of five map actions: a pan
(a 10 × 10 km box, newest first), a filter change on the country map (clusters, a filter
drawn from the matrix's), a zoom into the district (clusters), a radius search nearest
first (10, 25 or 50 km, a filter drawn), and the same radius newest first. The request
paths are drawn once (seeded); before timing, each distinct path is sent once through the
app in this process and the SQL its listings service sent is captured (as in
benchmarks/listings.py). Then, in alternating rounds of ``--seconds``: the 20 users send
their paths over HTTP (keep-alive, one session each, each user sticky to one of
``--processes`` app processes as nginx's ip_hash makes it) to gunicorn started as in
docs/deploy.md, two processes per machine there (``--worker-class`` gevent with
``--connections``, or gthread with ``--threads``; a Bearer token of an official), and 20
threads each on their own psycopg connection (the app's settings) run the captured SQL of
the same paths. Throughput is completed requests per second; latency median and p99.
Targets: throughput ≥ 0.85 × the SQL's, median ≤ 2 × the SQL's. Results go to
benchmarks/results/listings_load.json.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests

from benchmarks.common import (
    ROOT,
    figure_row,
    print_table,
    target_row,
    wait_until_serving,
    write_results,
)
from benchmarks.generate_listings import CITIES, database_url
from benchmarks.listings import capture as capture_sql
from benchmarks.listings import open_site
from benchmarks.listings_shapes import FILTERS, GERMANY_BBOX, bbox_text, box

BIN = Path(sys.executable).parent
TARGET_THROUGHPUT = 0.85
TARGET_MEDIAN = 2.0


def draw_paths(count: int, seed: int) -> list[tuple[str, str]]:
    """(path, listings service) of ``count`` map actions around ten cities."""
    rng = random.Random(seed)
    cities = CITIES[:10]
    paths = []
    for _ in range(count):
        city = rng.choice(cities)
        lat, lon = city.lat, city.lon
        flt = FILTERS[rng.choice(list(FILTERS))]
        flt = f"&{flt}" if flt else ""
        action = rng.randrange(5)
        if action == 0:
            shift = rng.choice((-0.05, 0.0, 0.05))
            bbox = bbox_text(box(lat + shift, lon + shift, 10))
            paths.append((f"/api/v1/listings?bbox={bbox}&sort=newest&limit=50",
                          "search_listings"))
        elif action == 1:
            paths.append((f"/api/v1/listings/clusters?bbox={bbox_text(GERMANY_BBOX)}&zoom=6"
                          f"{flt}", "listing_clusters"))
        elif action == 2:
            paths.append((f"/api/v1/listings/clusters?bbox={bbox_text(box(lat, lon, 50))}"
                          f"&zoom=10{flt}", "listing_clusters"))
        else:
            sort = "distance" if action == 3 else "newest"
            radius = rng.choice((10, 25, 50))
            paths.append((f"/api/v1/listings?near={lat},{lon}&radius_km={radius}&sort={sort}"
                          f"{flt}&limit=50", "search_listings"))
    return paths


def start_gunicorn(url: str, worker_class: str, threads: int, connections: int, port: int,
                   log: Path):
    env = {**os.environ, "EXCHANGE_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": url, "PROXY_FIX_HOPS": "0"}
    env.pop("REDIS_URL", None)  # one process: no message queue needed (docs/deploy.md)
    command = [str(BIN / "gunicorn"), "--worker-class", worker_class, "--workers", "1",
               "--no-control-socket", "--bind", f"127.0.0.1:{port}", "exchange:create_app()"]
    if worker_class == "gthread":
        command[5:5] = ["--threads", str(threads)]
    else:
        command[5:5] = ["--worker-connections", str(connections)]
    out = log.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_serving(process, port, log, seconds=60)
    except RuntimeError as error:
        process.terminate()
        raise SystemExit(f"gunicorn: {error}") from None
    return process


def run_users(users: int, seconds: float, work) -> list[float]:
    """``users`` threads, each calling work(user, n) for ``seconds``; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(users)]
    stop = time.perf_counter() + seconds
    errors: list[BaseException] = []

    def user(number: int) -> None:
        try:
            state = work.setup(number)
            n = 0
            while time.perf_counter() < stop:
                started = time.perf_counter()
                work.call(state, number, n)
                latencies[number].append((time.perf_counter() - started) * 1000)
                n += 1
            work.teardown(state)
        except BaseException as exc:  # noqa: BLE001 - reported after the round
            errors.append(exc)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [value for values in latencies for value in values]


class HttpUsers:
    """Users over HTTP, each sticky to one app process (nginx's ip_hash in docs/deploy.md)."""

    def __init__(self, ports: list[int], headers: dict, plan: list[list[str]]) -> None:
        self.bases = [f"http://127.0.0.1:{port}" for port in ports]
        self.headers, self.plan = headers, plan

    def setup(self, number: int):
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def call(self, session, number: int, n: int) -> None:
        paths = self.plan[number]
        base = self.bases[number % len(self.bases)]
        response = session.get(base + paths[n % len(paths)], timeout=60)
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")

    def teardown(self, session) -> None:
        session.close()


class SqlUsers:
    def __init__(self, url: str, connect_args: dict, plan: list[list[str]], sql: dict) -> None:
        self.url, self.connect_args, self.plan, self.sql = url, connect_args, plan, sql

    def setup(self, number: int):
        return psycopg.connect(self.url, **{**self.connect_args, "autocommit": True})

    def call(self, conn, number: int, n: int) -> None:
        paths = self.plan[number]
        with conn.cursor() as cursor:
            for statement, parameters in self.sql[paths[n % len(paths)]]:
                cursor.execute(statement, parameters)
                cursor.fetchall()

    def teardown(self, conn) -> None:
        conn.close()


def summary(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "per_second": len(ordered) / seconds,
            "median_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="listings (database)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30, help="per round and side")
    parser.add_argument("--rounds", type=int, default=2, help="HTTP/SQL alternations")
    parser.add_argument("--worker-class", default="gevent",
                        help="gunicorn worker class (docs/deploy.md: gevent; or gthread)")
    parser.add_argument("--threads", type=int, default=100, help="threads of a gthread worker")
    parser.add_argument("--connections", type=int, default=5000,
                        help="--worker-connections of a gevent worker (docs/deploy.md)")
    parser.add_argument("--paths", type=int, default=400, help="map actions drawn")
    parser.add_argument("--port", type=int, default=5391, help="of the first app process")
    parser.add_argument("--processes", type=int, default=2,
                        help="app processes, one gunicorn each on consecutive ports "
                        "(docs/deploy.md runs two per machine)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)

    url = database_url(args.size)
    site = open_site(url)  # an official's API token, and the app to capture SQL with
    actions = draw_paths(args.paths, args.seed)
    sql = {}
    for path, service in actions:
        if path not in sql:
            response, statements = capture_sql(site, path, service)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            sql[path] = statements
    print(f"{len(sql)} distinct paths captured")
    plan = [[path for path, _ in actions[user::args.users]] for user in range(args.users)]
    connect_args = site.app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})
    log = Path(f"/tmp/listings_load_{os.getpid()}.log")
    ports = [args.port + number for number in range(args.processes)]
    servers = [start_gunicorn(url, args.worker_class, args.threads, args.connections, port,
                              log.with_suffix(f".{port}.log")) for port in ports]
    results: dict[str, list[float]] = {"api": [], "sql": []}
    try:
        http = HttpUsers(ports, site.headers, plan)
        direct = SqlUsers(url, connect_args, plan, sql)
        run_users(args.users, min(5.0, args.seconds), http)  # warm-up, untimed
        run_users(args.users, min(5.0, args.seconds), direct)
        for round_number in range(args.rounds):
            order = [("api", http), ("sql", direct)]
            if round_number % 2:
                order.reverse()
            for side, work in order:
                results[side] += run_users(args.users, args.seconds, work)
                print(f"round {round_number + 1} {side}: {len(results[side])} requests so far")
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        site.conn.close()
    total = args.seconds * args.rounds
    api, db_side = summary(results["api"], total), summary(results["sql"], total)
    load = os.getloadavg()
    rows = [
        target_row("throughput API / SQL", api["per_second"] / db_side["per_second"], "×",
                   TARGET_THROUGHPUT,
                   f"{api['per_second']:.1f} / {db_side['per_second']:.1f} requests/s",
                   at_least=True),
        target_row("median latency API / SQL", api["median_ms"] / db_side["median_ms"], "×",
                   TARGET_MEDIAN, f"{api['median_ms']:.1f} / {db_side['median_ms']:.1f} ms"),
        figure_row("p99 latency API / SQL (reported)", api["p99_ms"] / db_side["p99_ms"], "×",
                   detail=f"{api['p99_ms']:.0f} / {db_side['p99_ms']:.0f} ms"),
    ]
    print_table(rows, f"{args.users} users, {args.rounds} × {args.seconds:g} s per side, "
                      f"{args.processes} × gunicorn --worker-class {args.worker_class}, "
                      "load average "
                      f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    write_results("listings_load", {
        "users": args.users, "seconds": args.seconds, "rounds": args.rounds,
        "worker_class": args.worker_class, "threads": args.threads,
        "processes": args.processes,
        "connections": args.connections, "load": load,
        "figures": rows, "api": api, "sql": db_side, "distinct_paths": len(sql),
    })
    return 0 if all(row["pass"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
