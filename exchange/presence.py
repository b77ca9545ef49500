"""Presence: who has an open socket, counted per user.

Without Redis the counts live in this process's memory. With REDIS_URL every process keeps
its own hash ``exchange:presence:<process>`` (user id → open sockets) and a heartbeat in
the sorted set ``exchange:presence:processes`` (process → last beat). A user is online when
a live process (one that beat within ``ttl`` seconds) holds a socket of theirs, so the users
of a killed process drop out by themselves within ``ttl``; the hash itself expires too.

Presence is a nicety: when Redis is unreachable every call answers "nobody online" at once
(bounded by the client's timeouts) instead of failing the request or the socket event that
asked, and logs it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable

import redis

log = logging.getLogger(__name__)

PREFIX = "exchange:presence:"
PROCESSES = PREFIX + "processes"


class Presence:
    """Open sockets per user. ``connected``/``disconnected`` answer whether the user just
    came online / went offline across all live processes."""

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[int] = Counter()
        self._redis: redis.Redis | None = None
        self._redis_url: str | None = None
        self._timeout = 2.0
        self._process: str | None = None
        self._pid: int | None = None
        self._beating = False

    def configure(self, redis_url: str | None, timeout: float = 2.0) -> None:
        """Use Redis at ``redis_url`` (None: this process's memory), with socket and
        connect timeouts of ``timeout`` seconds."""
        self._redis_url = redis_url
        self._redis = None
        self._timeout = timeout

    @property
    def process(self) -> str:
        """This process's name in Redis; a forked child takes a new one."""
        if self._process is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._process = f"{socket.gethostname()}:{self._pid}:{uuid.uuid4().hex[:8]}"
            self._beating = False
        return self._process

    def _client(self) -> redis.Redis | None:
        if self._redis_url and self._redis is None:
            self._redis = redis.Redis.from_url(
                self._redis_url, socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout)
        return self._redis

    def _key(self, process: str) -> str:
        return PREFIX + process

    # --- heartbeat -----------------------------------------------------------------------

    def beat(self) -> None:
        """Mark this process alive for another ``ttl`` seconds and forget dead ones."""
        client = self._client()
        if client is None:
            return
        now = self._clock()
        with client.pipeline() as pipe:
            pipe.zadd(PROCESSES, {self.process: now})
            pipe.zremrangebyscore(PROCESSES, "-inf", now - self.ttl)
            pipe.expire(self._key(self.process), max(1, int(self.ttl)))
            pipe.execute()

    def _start_heartbeat(self) -> None:
        if self._beating or self._client() is None:
            return
        self._beating = True
        process = self.process

        def run() -> None:
            while self._process == process and self._redis_url:
                try:
                    self.beat()
                except redis.RedisError as error:
                    log.warning("presence heartbeat failed: %s", error)
                time.sleep(self.ttl / 3)  # the beat's period, not synchronisation

        threading.Thread(target=run, name="presence-heartbeat", daemon=True).start()

    def _live_processes(self, client: redis.Redis) -> list[str]:
        since = self._clock() - self.ttl
        return [p.decode() for p in client.zrangebyscore(PROCESSES, since, "+inf")]

    def _totals(self, client: redis.Redis, user_ids: list[int]) -> list[int]:
        """Open sockets per user summed over the live processes."""
        processes = set(self._live_processes(client)) | {self.process}
        with client.pipeline() as pipe:
            for process in processes:
                pipe.hmget(self._key(process), [str(i) for i in user_ids])
            rows = pipe.execute()
        return [sum(int(row[n] or 0) for row in rows) for n in range(len(user_ids))]

    # --- counting ------------------------------------------------------------------------

    def connected(self, user_id: int) -> bool:
        """Count a new socket of the user; True when the user just came online."""
        client = self._client()
        if client is None:
            with self._lock:
                self._counts[user_id] += 1
                return self._counts[user_id] == 1
        try:
            self._start_heartbeat()
            self.beat()
            client.hincrby(self._key(self.process), str(user_id), 1)
            return self._totals(client, [user_id])[0] == 1
        except redis.RedisError as error:
            log.warning("presence unavailable (connect of user %s): %s", user_id, error)
            return False

    def disconnected(self, user_id: int) -> bool:
        """Count a closed socket of the user; True when the user just went offline."""
        client = self._client()
        if client is None:
            with self._lock:
                self._counts[user_id] -= 1
                if self._counts[user_id] <= 0:
                    del self._counts[user_id]
                    return True
                return False
        try:
            key = self._key(self.process)
            if client.hincrby(key, str(user_id), -1) <= 0:
                client.hdel(key, str(user_id))
            return self._totals(client, [user_id])[0] <= 0
        except redis.RedisError as error:
            log.warning("presence unavailable (disconnect of user %s): %s", user_id, error)
            return False

    def online(self, user_ids: Iterable[int]) -> set[int]:
        """Which of these users have an open socket on a live process (none when Redis
        cannot be reached)."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return set()
        client = self._client()
        if client is None:
            with self._lock:
                return {i for i in wanted if self._counts.get(i, 0) > 0}
        try:
            totals = self._totals(client, wanted)
        except redis.RedisError as error:
            log.warning("presence unavailable (online): %s", error)
            return set()
        return {i for i, total in zip(wanted, totals, strict=True) if total > 0}


presence = Presence()
