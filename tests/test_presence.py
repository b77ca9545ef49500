"""Presence across processes (exchange/presence.py) against the real Redis: a process that
stops beating takes its users offline after the TTL, and a lost Redis answers "nobody
online" at once instead of failing the caller."""

from __future__ import annotations

import os
import socket
import time

import pytest
import redis

from exchange import realtime
from exchange.presence import PREFIX, Presence

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


class Clock:
    """A clock the test moves by hand: the heartbeat's age is read from it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def processes(clock):
    """Two processes' presence, sharing one Redis, named apart as two processes are."""
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    made = []
    for name in ("a", "b"):
        presence = Presence(ttl=30, clock=clock)
        presence.configure(REDIS_URL)
        presence._process = f"{socket.gethostname()}:test-{name}"  # as another pid would
        presence._pid = os.getpid()
        presence._beating = True  # the test beats by hand
        made.append(presence)
    yield made
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)


def test_users_on_either_process_are_online_for_both(processes):
    a, b = processes
    assert a.connected(1) is True
    assert b.connected(1) is False  # already online through A
    assert b.connected(2) is True
    assert a.online([1, 2, 3]) == b.online([1, 2, 3]) == {1, 2}
    assert a.disconnected(1) is False  # still open on B
    assert b.disconnected(1) is True
    assert a.online([1, 2]) == {2}


def test_a_process_that_stops_beating_takes_its_users_offline(processes, clock):
    a, b = processes
    a.connected(1)
    b.connected(2)
    clock.now += 20
    b.beat()  # B lives on; A died without a word
    assert b.online([1, 2]) == {1, 2}
    clock.now += 15  # A's last beat is 35 s old, over the TTL of 30 s
    assert b.online([1, 2]) == {2}
    assert b.connected(1) is True  # Alice opening a socket on B comes online again


def test_without_redis_nobody_is_online_and_nothing_fails():
    lost = Presence()
    lost.configure("redis://127.0.0.1:1/0", timeout=0.5)
    lost._beating = True
    started = time.monotonic()
    assert lost.connected(1) is False
    assert lost.online([1]) == set()
    assert lost.disconnected(1) is False
    assert time.monotonic() - started < 5


def test_without_redis_the_members_list_answers_without_presence(
        as_user, make_user, make_room, monkeypatch):
    lost = Presence()
    lost.configure("redis://127.0.0.1:1/0", timeout=0.5)
    monkeypatch.setattr(realtime, "presence", lost)
    alice = as_user("official")
    room = make_room(alice.user, make_user("official"))
    answer = alice.get(f"/api/v1/rooms/{room.id}/members")
    assert answer.status_code == 200, answer.json
    assert [m["online"] for m in answer.json] == [False, False]
