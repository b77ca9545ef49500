"""Capacity benchmark: occupancy → published figure, registry import, duplicates, in one run.

    python -m benchmarks.capacity                  # generate if needed, measure, print
    python -m benchmarks.capacity --repeat 60 --skip-import
    python -m benchmarks.capacity --only-import    # (b) alone, no registry databases
    python -m benchmarks.capacity --sizes 400 1000 2000 --import-rows 2000 5000  # a quick try

Makes (or reuses) the registry databases exchange_bench_registry_1k, …_10k and …_1m
(benchmarks/generate_registry.py), then measures, interleaved in random order per round
after a warm-up, so that the noise of a shared machine falls on every figure alike:

(a) an occupancy change until the published figure is committed: a check-in and a
    check-out of a waiting person on the benchmark shelter (200 beds, published, the same
    in every size) through the HTTP API (`POST /api/v1/occupancies`, `POST
    /api/v1/occupancies/{id}/end`: Flask test client in this process, a caseworker's
    Bearer token, the whole WSGI stack, the request commits), each followed by reading
    the listing's free_beds on another connection, which must show the new figure; the
    time covers both. Median at 1M persons vs 1k persons.
(b) importing 100k registry CSV rows with the real import (registry_import.import_registry, in
    this process, committed, into a new empty district of a database of its own) vs a
    raw COPY of the same file into a bare table of text columns: throughput ratio; then
    1M rows through `exchange import-registry FILE --organization ID` in a subprocess:
    its peak resident memory (ru_maxrss from os.wait4 of that child). For context, the
    same rows INSERT … SELECTed from a bare table into persons with no check and no audit
    (rolled back): the bound any import into that table is under.
(c) the duplicate candidates for one new person (a variant spelling of an existing
    person's name, same birth date) among 1M persons vs among 10k: median ratio, through
    the capacity service in a transaction that is rolled back.

Ratios are medians measured side by side in one run; milliseconds are context only.
`--sizes` and `--import-rows` measure other sizes than 1k, 10k, 1M and 100k, 1M (the
databases are named after them). Results go to benchmarks/results/capacity.json.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from benchmarks.common import (
    DEFAULT_SEED,
    ROOT,
    Site,
    api_headers,
    bench_app,
    interleaved,
    medians,
    migrate,
    print_table,
    recreate_database,
    row_count,
    size_label,
    target_row,
    write_results,
)
from benchmarks.common import database_url as bench_database_url
from benchmarks.generate_registry import (
    BENCH_CASEWORKER_EMAIL,
    People,
    _district,
    database_url,
    generate,
    migration_target,
    variant,
)
from benchmarks.registry_sync import measure_sync

SIZES = (1_000, 10_000, 1_000_000)  # small, middle, large: persons in the registry
IMPORT_ROWS = (100_000, 1_000_000)  # rows imported against COPY, and for the peak memory
SYNC_ROWS = 1_000_000  # persons of the district the daily file is applied to again
BENCH_SHELTER_ID = 1

TARGET_OCCUPANCY_GROWTH = 1.3
TARGET_IMPORT_VS_COPY = 0.1  # a first import into an empty district (issue 16)
TARGET_SYNC_VS_COPY = 0.3  # the daily file again, 1 % changed, 0.5 % new
TARGET_IMPORT_PEAK_MB = 300
TARGET_DUPLICATES_GROWTH = 3.0

CSV_COLUMNS = ("external_id", "family_name", "given_names", "birth_date", "gender",
               "nationality", "languages", "arrival_date", "household_ref", "religion",
               "profession")


# --- (a) occupancy until published -----------------------------------------------------------


@dataclass
class RegistrySite(Site):
    """A registry database, signed in as its caseworker; the benchmark shelter's listing,
    its free beds and persons waiting for one."""

    listing_id: int = 0
    beds: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    probes: list[dict] = field(default_factory=list)
    turn: int = 0

    def published(self) -> int:
        return self.conn.execute(
            "SELECT free_beds FROM listings WHERE id = %s", (self.listing_id,)
        ).fetchone()[0]


def open_site(url: str) -> RegistrySite:
    app = bench_app(url)
    headers = api_headers(app, BENCH_CASEWORKER_EMAIL, second_factor=True)
    conn = psycopg.connect(url, autocommit=True)
    listing_id = conn.execute("SELECT listing_id FROM shelters WHERE id = %s",
                              (BENCH_SHELTER_ID,)).fetchone()[0]
    beds = [row[0] for row in conn.execute(
        "SELECT b.id FROM beds AS b JOIN rooms AS r ON r.id = b.room_id"
        " WHERE r.shelter_id = %s AND b.status = 'available' AND NOT EXISTS"
        " (SELECT 1 FROM occupancies AS o WHERE o.bed_id = b.id AND upper_inf(o.period))"
        " ORDER BY b.id", (BENCH_SHELTER_ID,))]
    waiting = [row[0] for row in conn.execute(
        "SELECT p.id FROM persons AS p WHERE p.anonymised_at IS NULL AND NOT EXISTS"
        " (SELECT 1 FROM occupancies AS o WHERE o.person_id = p.id AND upper_inf(o.period))"
        " ORDER BY p.id LIMIT 200")]
    if not beds or not waiting:
        raise SystemExit(f"{url}: no free bed or no waiting person in the benchmark shelter")
    return RegistrySite(url, app, app.test_client(), headers, conn, listing_id, beds, waiting)


def occupancy_change(site: RegistrySite) -> tuple[Callable[[], object], Callable[[], object]]:
    """Two actions: check a waiting person in, then out again; each waits for the figure."""
    state: dict = {}

    def expect(figure: int) -> None:
        seen = site.published()
        if seen != figure:
            raise SystemExit(f"{site.url}: published free_beds {seen}, expected {figure}")

    def check_in() -> None:
        site.turn += 1
        person = site.waiting[site.turn % len(site.waiting)]
        bed = site.beds[site.turn % len(site.beds)]
        before = state.setdefault("figure", site.published())
        response = site.client.post("/api/v1/occupancies", json={"person_id": person,
                                                                  "bed_id": bed},
                                    headers=site.headers)
        if response.status_code != 201:
            raise SystemExit(f"check-in: HTTP {response.status_code} {response.get_data()}")
        state["occupancy"] = response.get_json()["id"]
        expect(before - 1)

    def check_out() -> None:
        response = site.client.post(f"/api/v1/occupancies/{state['occupancy']}/end",
                                    headers=site.headers)
        if response.status_code != 200:
            raise SystemExit(f"check-out: HTTP {response.status_code} {response.get_data()}")
        expect(state["figure"])

    return check_in, check_out


# --- (c) duplicate candidates ----------------------------------------------------------------


def duplicate_probes(site: RegistrySite, count: int, seed: int) -> list[dict]:
    """New persons to check: existing adults' names spelt another way, same birth date."""
    rng = random.Random(seed)
    rows = site.conn.execute(
        "SELECT organization_id, family_name, given_names, birth_date, gender FROM persons"
        " WHERE birth_date < now() - interval '18 years' AND nationality IN ('SYR', 'AFG', 'UKR')"
        " ORDER BY id LIMIT 5000"
    ).fetchall()
    chosen = rng.sample(rows, min(count, len(rows)))
    return [{"organization_id": org, "family_name": variant(family, rng),
             "given_names": variant(given, rng), "birth_date": born, "gender": gender}
            for org, family, given, born, gender in chosen]


def duplicate_function():
    """The service that lists duplicate candidates of a not yet saved person."""
    from exchange.capacity import duplicates

    return duplicates.duplicate_candidates


def duplicates_task(site: RegistrySite) -> Callable[[], object]:
    from exchange.capacity.models import Person
    from exchange.extensions import db

    find = duplicate_function()
    turn = [0]
    found: list[int] = []

    def run() -> None:
        turn[0] += 1
        probe = site.probes[turn[0] % len(site.probes)]
        with site.app.app_context():
            person = Person(**probe, languages=[])
            found.append(len(find(person)))
            db.session.rollback()

    run.found = found  # type: ignore[attr-defined]
    return run


# --- (b) import vs COPY ----------------------------------------------------------------------


def write_csv(path: Path, rows: int, seed: int) -> None:
    """A registry CSV as in API.md (UTF-8, `;`, header), households by household_ref."""
    rng = random.Random(seed)
    people = People(rng, 0)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(CSV_COLUMNS)
        household = 0
        while written < rows:
            household += 1
            members = people.household()
            for member in members[: rows - written]:
                written += 1
                origin = member["origin"]
                writer.writerow((
                    f"IMP{written:09d}", member["family_name"], member["given_names"],
                    member["birth_date"].isoformat(), member["gender"],
                    rng.choice(origin.nationalities), " ".join(rng.choice(origin.languages)),
                    member["arrival_date"].isoformat(),
                    f"H{household:08d}" if len(members) > 1 else "",
                    origin.religion or "" if rng.random() < 0.4 else "",
                    "",
                ))


def import_database() -> str:
    url = bench_database_url("registry_import")
    recreate_database(url)
    migrate(url, migration_target())
    return url


def new_organization(url: str, number: int) -> int:
    """A district with an empty registry, the benchmark caseworker one of its caseworkers."""
    with psycopg.connect(url) as conn:
        organization_id = conn.execute(
            "INSERT INTO organizations (name, kind, verified) VALUES (%s, 'district', true)"
            " RETURNING id", (f"Landkreis Import {number}",)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO memberships (user_id, organization_id, role, status)"
            " SELECT id, %s, 'caseworker', 'active' FROM users WHERE email = %s",
            (organization_id, BENCH_CASEWORKER_EMAIL),
        )
        return organization_id


def raw_copy(url: str, path: Path) -> float:
    """Seconds to COPY the file into a new bare table of text columns, committed."""
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS registry_copy_bench")
        conn.execute("CREATE TABLE registry_copy_bench"
                     f" ({', '.join(f'{c} text' for c in CSV_COLUMNS)})")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            "COPY registry_copy_bench FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
        ) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE registry_copy_bench")
        conn.commit()
    return elapsed


def floor_insert(url: str, path: Path, organization_id: int) -> float:
    """Seconds to INSERT … SELECT the file's rows, COPYed untimed into a bare table, into
    persons of an empty district, with no check, no household, no audit row, rolled back:
    the write that any import into this table does at the least (its indexes, generated
    name key, constraints). Its throughput against the raw COPY bounds what (b) can reach."""
    columns = ", ".join(f"{c} text" for c in CSV_COLUMNS)
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TEMPORARY TABLE registry_floor_bench ({columns})")
        with conn.cursor() as cursor, cursor.copy(
            "COPY registry_floor_bench FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
        ) as copy:
            copy.write(path.read_bytes())
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO persons (organization_id, external_id, family_name, given_names,"
            " birth_date, gender, nationality, languages, arrival_date)"
            " SELECT %s, external_id, family_name, given_names, birth_date::date, gender,"
            " nationality, string_to_array(languages, ' ')::varchar[], arrival_date::date"
            " FROM registry_floor_bench", (organization_id,))
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed


def run_import(url: str, path: Path, organization_id: int) -> dict:
    """`exchange import-registry` in a subprocess: seconds, peak RSS (MB), its output."""
    env = {**os.environ, "DATABASE_URL": url, "FLASK_DEBUG": "0"}
    exe = Path(sys.executable).with_name("exchange")
    command = [str(exe), "import-registry", str(path), "--organization", str(organization_id),
               "--user", BENCH_CASEWORKER_EMAIL]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    # Read while it runs (a progress bar must not fill the pipe), then reap it with wait4
    # for this child's own rusage.
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"import-registry failed ({process.returncode}):\n{text[-2000:]}")
    return {"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024, "output": text[-600:]}


def import_available() -> bool:
    from exchange.capacity import cli

    return any(command.name == "import-registry" for command in cli.COMMANDS)


def import_in_process(url: str, path: Path, organization_id: int, rows: int | None,
                      with_report: bool = False):
    """Seconds for exchange.capacity.registry_import.import_registry on the file, committed (the
    import itself, without the start of a process); with the report if asked. ``rows``: the
    rows it must create (None: no check but that the file was good)."""
    from sqlalchemy import select

    from exchange.capacity import registry_import
    from exchange.extensions import db
    from exchange.profiles.models import User

    app = bench_app(url)
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.email == BENCH_CASEWORKER_EMAIL))
        db.session.commit()
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = registry_import.import_registry(
                actor, organization_id, stream, False, path.name
            )
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    if not report.ok or (rows is not None and report.created != rows):
        raise SystemExit(f"import: {report.created} created of {rows}, errors {report.errors[:5]}")
    return (elapsed, report) if with_report else elapsed


def measure_import(repeat: int, seed: int, rows: tuple[int, int] = IMPORT_ROWS,
                   sync_rows: int = SYNC_ROWS) -> dict:
    """(b): COPY and the in-process import of 100k rows alternately, `repeat` times each,
    every import into a new empty district; then 1M rows through `exchange
    import-registry` in a subprocess for its peak memory (or the two ``rows`` given)."""
    import_rows, peak_rows = rows
    url = import_database()
    with tempfile.TemporaryDirectory() as directory:
        small = Path(directory) / f"registry-{size_label(import_rows).lower()}.csv"
        large = Path(directory) / f"registry-{size_label(peak_rows).lower()}.csv"
        write_csv(small, import_rows, seed)
        with psycopg.connect(url) as conn:
            _district(conn)
        copies, imports, floors = [], [], []
        for number in range(repeat):
            copies.append(raw_copy(url, small))
            floors.append(floor_insert(url, small, new_organization(url, 500 + number)))
            imports.append(import_in_process(url, small, new_organization(url, number),
                                             import_rows))
        # The peak first: a child's ru_maxrss counts this process's own peak (vfork and
        # exec keep the higher-water mark), and the sync holds a 1M-row file in memory.
        write_csv(large, peak_rows, seed + 1)
        peak = run_import(url, large, new_organization(url, 1000))
        synced = measure_sync(url, Path(directory), sync_rows, seed, 1) if sync_rows else None
    return {"copy_s": copies, "import_s": imports, "floor_s": floors, "import_1m": peak,
            "rows": import_rows, "peak_rows": peak_rows, "database": make_url(url).database,
            "sync": synced}


# --- the run ---------------------------------------------------------------------------------


def measure(repeat: int, warmup: int, seed: int, sizes: tuple[int, int, int] = SIZES) -> dict:
    small, middle, large = sizes
    sites = {size: open_site(database_url(size)) for size in sizes}
    tasks: dict[str, Callable[[], object]] = {}
    duplicate_tasks = {}
    for size in (small, large):
        check_in, check_out = occupancy_change(sites[size])
        tasks[f"check-in {size}"] = check_in
        tasks[f"check-out {size}"] = check_out
    for size in (middle, large):
        sites[size].probes = duplicate_probes(sites[size], 25, seed)
        duplicate_tasks[size] = tasks[f"duplicates {size}"] = duplicates_task(sites[size])

    # Check-out follows its check-in; the pairs and the other tasks are shuffled.
    units = [[f"check-in {size}", f"check-out {size}"] for size in (small, large)]
    units += [[f"duplicates {size}"] for size in (middle, large)]
    samples = interleaved(tasks, units, repeat, warmup, seed)
    info = {f"duplicates {size}": {"candidates_median": statistics.median(task.found)}
            for size, task in duplicate_tasks.items()}
    for site in sites.values():
        site.conn.close()
    return {"samples": samples, "info": info}


def figures(measured: dict | None, imported: dict | None, sizes: tuple[int, int, int] = SIZES,
            import_rows: tuple[int, int] = IMPORT_ROWS) -> list[dict]:
    median = medians(measured["samples"]) if measured else {}
    small, middle, large = sizes
    rows_label, peak_label = (size_label(rows) for rows in import_rows)
    rows = []
    for what in ("check-in", "check-out") if measured else ():
        slow, fast = median[f"{what} {large}"], median[f"{what} {small}"]
        rows.append(target_row(
            f"(a) {what} until published, {size_label(large)} / {size_label(small)} persons",
            slow / fast, "×", TARGET_OCCUPANCY_GROWTH, f"{slow:.2f} ms / {fast:.2f} ms"))
    if imported is None:
        rows.append(target_row(f"(b) import {rows_label} rows vs raw COPY, throughput", None,
                               "×", TARGET_IMPORT_VS_COPY,
                               "not measured: no `exchange import-registry`", at_least=True))
        rows.append(target_row(f"(b) import {peak_label} rows, peak memory", None, "MB",
                               TARGET_IMPORT_PEAK_MB, "not measured"))
    else:
        copy_s = statistics.median(imported["copy_s"])
        import_s = statistics.median(imported["import_s"])
        rows.append(target_row(
            f"(b) import {rows_label} rows vs raw COPY, throughput", copy_s / import_s, "×",
            TARGET_IMPORT_VS_COPY,
            f"{import_rows[0] / import_s:,.0f} / {import_rows[0] / copy_s:,.0f} rows/s",
            at_least=True))
        floor_s = statistics.median(imported["floor_s"])
        rows.append(target_row(
            "(b) bound: bare INSERT…SELECT into persons vs raw COPY", copy_s / floor_s, "×",
            TARGET_IMPORT_VS_COPY,
            f"{import_rows[0] / floor_s:,.0f} rows/s; no checks, no audit, rolled back",
            at_least=True))
        synced = imported.get("sync")
        if synced:
            copy_s, import_s = (statistics.median(synced[k]) for k in ("copy_s", "import_s"))
            rows.append(target_row(
                f"(b') second import of {size_label(synced['rows'] - synced['new'])} persons,"
                f" {synced['changed']:,} changed, {synced['new']:,} new, vs raw COPY",
                copy_s / import_s, "×", TARGET_SYNC_VS_COPY,
                f"{synced['rows'] / import_s:,.0f} / {synced['rows'] / copy_s:,.0f} rows/s;"
                f" audit rows {synced['checks'][0]['audit_rows']:,}", at_least=True))
        peak = imported["import_1m"]
        rows.append(target_row(f"(b) import {peak_label} rows, peak memory", peak["peak_mb"],
                               "MB", TARGET_IMPORT_PEAK_MB,
                               f"ru_maxrss of the subprocess; {peak['seconds']:.0f} s"))
    if measured:
        slow, fast = median[f"duplicates {large}"], median[f"duplicates {middle}"]
        rows.append(target_row(
            f"(c) duplicate candidates, {size_label(large)} / {size_label(middle)} persons",
            slow / fast, "×", TARGET_DUPLICATES_GROWTH, f"{slow:.2f} ms / {fast:.2f} ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per figure")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    parser.add_argument("--import-repeat", type=int, default=3, help="100k imports and COPYs")
    parser.add_argument("--skip-import", action="store_true", help="leave out (b)")
    parser.add_argument("--sync-rows", type=int, default=SYNC_ROWS,
                        help="(b'): persons imported, then their file again with 1 %% changed"
                             " and 0.5 %% new (0 leaves it out)")
    parser.add_argument("--only-import", action="store_true", help="(b) alone")
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--reuse", action="store_true",
                        help="use a database that holds N persons even if made by other code")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sizes", type=int, nargs=3, default=SIZES,
                        metavar=("SMALL", "MIDDLE", "LARGE"),
                        help="persons: (a) compares LARGE with SMALL, (c) LARGE with MIDDLE")
    parser.add_argument("--import-rows", type=int, nargs=2, default=IMPORT_ROWS,
                        metavar=("ROWS", "PEAK_ROWS"),
                        help="(b): rows imported against COPY, and for the peak memory")
    args = parser.parse_args(argv)
    sizes, import_rows = tuple(args.sizes), tuple(args.import_rows)

    for size in sizes if not args.only_import else ():
        if args.reuse and not args.fresh and row_count(database_url(size), "persons") == size:
            print(f"{database_url(size)}: reused as it is")
            continue
        generate(size, fresh=args.fresh)
    measured = None if args.only_import else measure(args.repeat, args.warmup, args.seed, sizes)
    imported = None
    if not args.skip_import and import_available():
        imported = measure_import(args.import_repeat, args.seed, import_rows, args.sync_rows)
    rows = figures(measured, imported, sizes, import_rows)
    print_table(rows, f"(a), (c): medians over {args.repeat} interleaved calls each; the "
                      "machine is shared, so only the ratios mean something")
    write_results("capacity", {
        "client": "(a) Flask test client in-process, caseworker Bearer token;"
                  " (b) registry_import.import_registry in-process vs COPY; 1M rows by"
                  " `exchange import-registry` subprocess, ru_maxrss via os.wait4;"
                  " (c) capacity service in-process, rolled back",
        "repeat": args.repeat, "warmup": args.warmup,
        "figures": rows,
        "medians_ms": {name: round(value, 3) for name, value in
                       (medians(measured["samples"]) if measured else {}).items()},
        "details": {**(measured["info"] if measured else {}), "import": imported},
    })
    return 0 if all(row["pass"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
