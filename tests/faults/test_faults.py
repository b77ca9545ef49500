"""The fault suite (#17): the deployment of conftest.py under bounded client load while its
database is restarted, stopped for 30 s and paused for 20 s, its Redis stopped for 20 s and
paused, and one app process killed. For each:

- no acknowledged write is lost and none is stored twice (every write is sent again with
  its key until acknowledged, as our clients do);
- whatever failed during the fault answered 503 as JSON with Retry-After (or not at all,
  while nothing listened), never another 5xx;
- every request started 2 s after recovery succeeds, without restarting anything;
- every acknowledged chat message reaches the open pane on the other process (live, or by
  the catch-up that `resync` asks for).

The waits below are the faults' durations, not synchronisation.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from contextlib import ExitStack

import pytest
import redis
import requests

from tests import servers
from tests.chat import live
from tests.dates import day
from tests.faults.cluster import Replica
from tests.faults.load import Load

pytestmark = pytest.mark.usefixtures("no_transaction")

WARM_UP = 2.0
RECOVERY = 2.0


def _settled(deployment, load: Load) -> None:
    """No acknowledged write lost, none stored twice."""
    for write in load.writes:
        if write.kind == "message":
            rows = deployment.sql("SELECT id FROM chat_messages WHERE client_key = %s",
                                  write.key)
        else:
            rows = deployment.sql("SELECT id FROM concepts WHERE title = %s",
                                  f"Konzept {write.key}")
        assert len(rows) <= 1, f"{write.kind} {write.key} stored {len(rows)} times"
        if write.acked_id is not None:
            assert rows == [(write.acked_id,)], f"acknowledged {write.kind} lost: {write}"
    assert load.acked("message") and load.acked("concept")
    unacked = [w for w in load.writes if w.acked_id is None]
    assert not unacked, f"{len(unacked)} writes never went through after recovery"


def _failures_were_503(load: Load) -> None:
    for answer in load.answers:
        if answer.status is not None and answer.status >= 400:
            assert answer.status == 503, answer
            assert "application/json" in answer.content_type and answer.retry_after, answer


def _recovered(load: Load, recovered_at: float) -> None:
    late = [a for a in load.answers if a.started > recovered_at + RECOVERY]
    assert late, "no request after recovery"
    failed = [a for a in late if a.status is None or not 200 <= a.status < 300]
    assert not failed, f"{len(failed)} requests failed > {RECOVERY} s after recovery: {failed[:3]}"


def _delivered(deployment, pane, load: Load) -> None:
    """Every acknowledged message reached the pane, live or by catching up on resync."""
    seen: set[int] = set()
    resynced = False
    while not pane.empty():
        event, data = pane.get_nowait()
        if event == "message":
            seen.add(data["id"])
        resynced |= event == "resync"
    if resynced:
        rows = deployment.sql("SELECT id FROM chat_messages WHERE room_id = %s",
                              deployment.data["room_id"])
        seen |= {row[0] for row in rows}
    missing = {w.acked_id for w in load.acked("message")} - seen
    assert not missing, f"{len(missing)} acknowledged messages never reached the pane"


def _under_load(deployment, fault, ports=None, pane_port=None) -> tuple[Load, float, object]:
    """Run the load, apply ``fault()`` (which returns when the fault is over), let it run
    on a little, settle; answers (load, the moment of recovery, the pane's events)."""
    with ExitStack() as stack:
        pane = live.client(stack, pane_port or deployment.ports[0],
                           deployment.data["tokens"]["alice"])
        load = deployment.load(ports).start()
        time.sleep(WARM_UP)
        fault()
        recovered_at = time.monotonic()
        time.sleep(RECOVERY + 3)
        load.stop()
        time.sleep(1)  # the last events on their way to the pane
        return load, recovered_at, pane


def _check(deployment, load, recovered_at, pane) -> None:
    _settled(deployment, load)
    _failures_were_503(load)
    _recovered(load, recovered_at)
    _delivered(deployment, pane, load)
    _report(load, recovered_at)


def _report(load: Load, recovered_at: float | None) -> None:
    """One line for docs/operations.md (shown with `pytest -s tests/faults`)."""
    answered = [a for a in load.answers if a.status is not None]
    ok_after = [a.ended - recovered_at for a in answered
                if recovered_at is not None and a.started >= recovered_at
                and 200 <= a.status < 300]
    print(f"\nFAULT {os.environ.get('PYTEST_CURRENT_TEST', '').split('::')[-1].split(' ')[0]}:"
          f" {len(load.writes)} writes, {sum(w.acked_id is not None for w in load.writes)}"
          f" acknowledged, 0 lost, 0 doubled; {len(load.answers)} requests,"
          f" {sum(a.status == 503 for a in answered)} answered 503,"
          f" {len(load.answers) - len(answered)} unanswered;"
          f" first success {min(ok_after) if ok_after else float('nan'):.2f} s after recovery")


def test_database_restart(deployment):
    load, recovered_at, pane = _under_load(deployment, deployment.cluster.restart)
    _check(deployment, load, recovered_at, pane)


def test_database_stopped_for_30_seconds(deployment):
    def fault() -> None:
        deployment.cluster.stop()
        time.sleep(30)
        deployment.cluster.start()

    load, recovered_at, pane = _under_load(deployment, fault)
    _check(deployment, load, recovered_at, pane)
    assert any(a.status == 503 for a in load.answers)  # it was noticed, and said so


def test_database_paused_for_20_seconds(deployment):
    def fault() -> None:
        paused = deployment.cluster.pause()
        time.sleep(20)
        deployment.cluster.resume(paused)

    load, recovered_at, pane = _under_load(deployment, fault)
    _check(deployment, load, recovered_at, pane)


def test_redis_stopped_for_20_seconds(deployment):
    def fault() -> None:
        client = redis.Redis(port=deployment.redis_port)
        client.shutdown(nosave=True)
        time.sleep(20)
        servers.start_redis(deployment.stack, deployment.redis_port,
                            deployment.folder / "redis")

    load, recovered_at, pane = _under_load(deployment, fault)
    _check(deployment, load, recovered_at, pane)


def test_redis_paused(deployment):
    def fault() -> None:
        redis.Redis(port=deployment.redis_port).execute_command("CLIENT", "PAUSE", 10_000, "ALL")
        time.sleep(10)

    load, recovered_at, pane = _under_load(deployment, fault)
    _check(deployment, load, recovered_at, pane)


def test_an_app_process_killed(deployment):
    """Process A dies (SIGKILL); clients go on with B (nginx would send them there). The
    pane on B hears everything; presence forgets A's users within the TTL (3 s here)."""
    killed, survivor = deployment.ports

    def fault() -> None:
        os.killpg(deployment.processes[killed].pid, signal.SIGKILL)
        deployment.processes[killed].wait(10)

    load, _recovered_at, pane = _under_load(deployment, fault, pane_port=survivor)
    _settled(deployment, load)
    _failures_were_503(load)
    _delivered(deployment, pane, load)
    _report(load, None)


def _registry_csv(rows: int) -> bytes:
    arrived = day(-30).isoformat()
    lines = ["external_id;family_name;given_names;birth_date;gender;nationality;languages;"
             "arrival_date;household_ref"]
    lines += [f"F-{n};Familie{n % 977};Vorname{n % 113};1990-01-01;f;SYR;ar;{arrived};"
              for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_an_import_killed_midway_leaves_nothing_and_shows_as_failed(deployment):
    """A third process takes a large import and is killed while it copies rows: nothing
    of it is written, its orphaned database session ends within seconds
    (client_connection_check_interval), and the import log says `failed`."""
    port = servers.free_port()
    env = {**os.environ, "DATABASE_URL": deployment.database_url, "EXCHANGE_ENV": "production",
           "REDIS_URL": f"redis://127.0.0.1:{deployment.redis_port}/0",
           "SECRET_KEY": "faults-" + "k" * 32, "INSTANCE_PATH": str(deployment.folder / "imp")}
    log = deployment.folder / "importer.log"
    importer = servers.start_server(deployment.stack, env, port, log)
    servers.wait_until_serving(importer, port, log)
    district = deployment.data["district_id"]
    headers = {"Authorization": f"Bearer {deployment.data['tokens']['dora']}"}

    answers: list = []

    def run_import() -> None:
        with contextlib.suppress(requests.RequestException):  # the process dies under it
            answers.append(requests.post(
                f"{deployment.base(port)}/registry/imports", headers=headers,
                data={"organization_id": district},
                files={"file": ("gross.csv", _registry_csv(400_000))}, timeout=120))

    thread = threading.Thread(target=run_import, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not deployment.sql("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY registry%%'"):
        assert not answers and time.monotonic() < deadline, (
            f"the import never started copying: {answers and answers[0].text[:300]}")
        time.sleep(0.05)
    os.killpg(importer.pid, signal.SIGKILL)
    importer.wait(10)
    killed_at = time.monotonic()
    while deployment.sql("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY registry%%'"
                         " AND state = 'active'"):
        assert time.monotonic() - killed_at < 10, "the orphaned import runs on"
        time.sleep(0.1)
    thread.join(10)

    survivor = deployment.base(deployment.ports[1])
    listed = requests.get(f"{survivor}/registry/imports", params={"organization_id": district},
                          headers=headers, timeout=10).json()
    assert [(i["filename"], i["status"]) for i in listed] == [("gross.csv", "failed")]
    assert deployment.sql("SELECT count(*) FROM persons") == [(0,)]


FLAT = {
    "kind": "flat", "title": "Am Markt", "description": "Hell.",
    "address": {"street": "Am Markt 3", "postal_code": "49565", "city": "Bramsche"},
    "location": {"lat": 52.4086, "lon": 7.9858}, "rooms": 2, "max_occupants": 3,
    "rent_cold": "400.00", "publish": True,
}
AROUND = {"near": "52.4,7.98", "radius_km": 10}


def _until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_map_reads_from_a_streaming_replica(deployment):
    """A real replica (pg_basebackup) behind a process with DATABASE_REPLICA_URLS: the
    map's search is served from it, the writer reads her own write at once, a replica
    that lags too far or dies is skipped."""
    replica = Replica(deployment.cluster, servers.free_port())
    deployment.stack.callback(replica.drop)
    replica.start()
    port = servers.free_port()
    env = {**os.environ, "DATABASE_URL": deployment.database_url, "EXCHANGE_ENV": "production",
           "REDIS_URL": f"redis://127.0.0.1:{deployment.redis_port}/0",
           "DATABASE_REPLICA_URLS": replica.url("exchange_faults"),
           "REPLICA_MAX_LAG_BYTES": str(8 * 1024 * 1024),
           "SECRET_KEY": "faults-" + "k" * 32, "INSTANCE_PATH": str(deployment.folder / "rep")}
    log = deployment.folder / "replicated.log"
    servers.wait_until_serving(servers.start_server(deployment.stack, env, port, log), port, log)
    api = deployment.base(port)
    lena, alice = (requests.Session(), requests.Session())
    lena.headers["Authorization"] = f"Bearer {deployment.data['tokens']['lena']}"
    alice.headers["Authorization"] = f"Bearer {deployment.data['tokens']['alice']}"

    def found(client, listing_id: int) -> bool:
        answer = client.get(f"{api}/listings", params=AROUND, timeout=10)
        assert answer.status_code == 200, answer.text
        return listing_id in [item["id"] for item in answer.json()["items"]]

    # The replica stops applying WAL: what it serves is the past.
    replica.sql("SELECT pg_wal_replay_pause()")
    first = lena.post(f"{api}/listings", json=FLAT, timeout=10).json()["id"]
    assert found(lena, first)  # the writer reads her own write (from the primary)
    assert not found(alice, first)  # everyone else reads the replica
    replica.sql("SELECT pg_wal_replay_resume()")
    _until(lambda: found(alice, first))

    # Lagging more than REPLICA_MAX_LAG_BYTES: skipped, the primary answers.
    replica.sql("SELECT pg_wal_replay_pause()")
    second = lena.post(f"{api}/listings", json={**FLAT, "title": "Am Dom"}, timeout=10).json()
    deployment.sql("CREATE TABLE wal_ballast AS SELECT repeat('x', 1000) AS x"
                   " FROM generate_series(1, 20000)")
    _until(lambda: found(alice, second["id"]))

    # A dead replica: skipped too.
    replica.sql("SELECT pg_wal_replay_resume()")
    replica.stop()
    third = lena.post(f"{api}/listings", json={**FLAT, "title": "Am Wall"}, timeout=10).json()
    assert found(alice, third["id"])
