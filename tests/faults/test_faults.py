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

import os
import signal
import time
from contextlib import ExitStack

import pytest
import redis

from tests import servers
from tests.chat import live
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
