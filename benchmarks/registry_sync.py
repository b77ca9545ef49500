"""Capacity benchmark (b'): the state's daily full registry file applied again.

A district imported a file of N persons yesterday (untimed, then VACUUM ANALYZE and a
checkpoint, as the server would in the night); today's file is the same
with 1 % of the rows changed (a name spelt another way, another household, a date one day
earlier) and 0.5 % new rows at the end. The second import is timed against a raw COPY of
today's file, measured in the same run; it must create exactly the new rows, update
exactly the changed ones and write one audit row for each of them.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import psycopg

CHANGED_SHARE = 0.01
NEW_SHARE = 0.005


def mutate_csv(source: Path, target: Path, seed: int, changed_share: float = CHANGED_SHARE,
               new_share: float = NEW_SHARE) -> tuple[int, int]:
    """Today's file from yesterday's: (rows changed, rows new)."""
    from benchmarks.generate_registry import variant

    rng = random.Random(seed)
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    chosen = rng.sample(range(len(body)), int(len(body) * changed_share))
    for index in chosen:
        row = body[index]
        what = rng.choice(("name", "household", "date"))
        if what == "name":
            spelt = variant(row[column["given_names"]], rng)
            row[column["given_names"]] = (spelt if spelt != row[column["given_names"]]
                                          else spelt + " " + rng.choice(("Ali", "Maria")))
        elif what == "household":
            row[column["household_ref"]] = f"HX{index:08d}"
        else:
            born = date.fromisoformat(row[column["birth_date"]])
            row[column["birth_date"]] = (born - timedelta(days=1)).isoformat()
    new = int(len(body) * new_share)
    for number in range(new):
        template = list(body[rng.randrange(len(body))])
        template[column["external_id"]] = f"NEW{number:09d}"
        template[column["household_ref"]] = ""
        born = date.fromisoformat(template[column["birth_date"]])  # not a duplicate
        template[column["birth_date"]] = (born - timedelta(days=rng.randint(1, 3000))).isoformat()
        body.append(template)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(body)
    return len(chosen), new


def audit_rows(url: str, import_id: int) -> int:
    """Audit rows the import wrote (those of its district since its start)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM person_audit AS a JOIN registry_imports AS i"
            " ON i.organization_id = a.organization_id AND a.at >= i.started_at"
            " WHERE i.id = %s", (import_id,)
        ).fetchone()[0]


def overnight(url: str) -> None:
    """What the server does in the night between the two files (autovacuum is off on
    the benchmark server): VACUUM ANALYZE of persons (the planner learns that the
    district has N persons, else it hash-joins the day's few changed rows with all of
    them; the new rows' hint bits are set, else the first read of each dirties its page)
    and a checkpoint (of yesterday's million-row write)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) persons")
        conn.execute("CHECKPOINT")


def measure_sync(url: str, directory: Path, rows: int, seed: int, repeat: int) -> dict:
    """Yesterday's file imported (untimed) into a new district, then today's, timed,
    against raw COPYs of today's file, alternately; the import checked for exactness."""
    from benchmarks.capacity import (
        import_in_process,
        new_organization,
        raw_copy,
        write_csv,
    )

    yesterday = directory / "registry-yesterday.csv"
    today = directory / "registry-today.csv"
    write_csv(yesterday, rows, seed + 2)
    changed, new = mutate_csv(yesterday, today, seed + 3)
    copies, imports, checks = [], [], []
    for number in range(repeat):
        organization_id = new_organization(url, 2000 + number)
        import_in_process(url, yesterday, organization_id, rows)
        overnight(url)
        copies.append(raw_copy(url, today))
        seconds, report = import_in_process(url, today, organization_id, None, with_report=True)
        imports.append(seconds)
        audits = audit_rows(url, report.import_id)
        checks.append({"created": report.created, "updated": report.updated,
                       "unchanged": report.unchanged, "audit_rows": audits})
        if (report.created, report.updated, audits) != (new, changed, new + changed):
            raise SystemExit(f"second import: {checks[-1]}, expected {new} new and"
                             f" {changed} changed")
    return {"copy_s": copies, "import_s": imports, "rows": rows + new, "changed": changed,
            "new": new, "checks": checks}
