"""A lost Redis (#17): two real server processes on a Redis of their own. While Redis is
down, a message posted through B is saved and answered, though it cannot cross to A; once
Redis is back, A's clients are told to catch up (`resync`) within seconds and find it. A
paused Redis costs a post a bounded wait, not the pause."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

import redis
import requests

from tests import servers
from tests.chat import live

RECOVERY_SECONDS = 5


def test_messages_posted_while_redis_is_down_reach_open_panes_once_it_is_back(
        no_transaction, tmp_path):
    database_url = servers.fresh_database("_redis_outage")
    redis_port = servers.free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "EXCHANGE_ENV": "production",
           "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "SECRET_KEY": "redis-outage-" + "k" * 32}
    with ExitStack() as stack:
        redis_process = servers.start_redis(stack, redis_port, tmp_path / "redis")
        ports = servers.free_port(), servers.free_port()
        started = [(servers.start_server(
            stack, {**env, "INSTANCE_PATH": str(tmp_path / f"i{port}")}, port,
            tmp_path / f"{port}.log"), port) for port in ports]
        servers.upgrade_database(database_url)
        data = live.seed(database_url)
        for process, port in started:
            servers.wait_until_serving(process, port, tmp_path / f"{port}.log")
        alice = live.client(stack, ports[0], data["tokens"]["alice"])
        bob = requests.Session()
        bob.headers["Authorization"] = f"Bearer {data['tokens']['bob']}"
        b = f"http://127.0.0.1:{ports[1]}/api/v1/rooms/{data['room_id']}/messages"
        first = bob.post(b, json={"body": "Vor dem Ausfall"}).json()
        assert live.next_event(alice, "message")["id"] == first["id"]

        redis_process.terminate()
        redis_process.wait(5)
        during = bob.post(b, json={"body": "Während Redis fehlt"})
        assert during.status_code == 201, during.text  # saved and answered

        servers.start_redis(stack, redis_port, tmp_path / "redis")
        back = time.monotonic()
        live.next_event(alice, "resync", wait=RECOVERY_SECONDS)
        assert time.monotonic() - back < RECOVERY_SECONDS
        # What the pane does on resync: fetch what came after the last message it has.
        missed = bob.get(f"{b}?after={first['id']}").json()["items"]
        assert [m["id"] for m in missed] == [during.json()["id"]]

        # Live again across processes.
        after = bob.post(b, json={"body": "Wieder da"}).json()
        assert live.next_event(alice, "message")["id"] == after["id"]

        # A paused (hung, not refused) Redis costs a post seconds, not the whole pause.
        pause_ms = 15_000
        redis.Redis(port=redis_port).execute_command("CLIENT", "PAUSE", pause_ms, "ALL")
        started_at = time.monotonic()
        paused = bob.post(b, json={"body": "Redis hängt"})
        assert paused.status_code == 201, paused.text
        assert time.monotonic() - started_at < pause_ms / 1000 - 3
