"""Bounded client load for the fault suite, written down answer by answer.

Writers behave as our clients do: every intended write has its own key (a chat message's
``client_key``, an ``Idempotency-Key`` for a concept) and is sent again, with the same
key, to the next process until it is acknowledged (2xx); a reader searches. Every answer
is kept (when, which process, status, content type, Retry-After, or the network error), so
the tests can check what each fault cost.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

REQUEST_TIMEOUT = 8.0
RETRY_PAUSE = 0.2


@dataclass
class Answer:
    started: float
    ended: float
    base: str
    method: str
    path: str
    status: int | None  # None: no answer (refused, reset, timed out)
    content_type: str = ""
    retry_after: str | None = None
    error: str = ""
    json: Any = None


@dataclass
class Write:
    kind: str  # "message" or "concept"
    key: str
    acked_id: int | None = None
    answers: list[Answer] = field(default_factory=list)


class Load:
    """Two writers (chat messages, concepts) and a reader against ``bases`` in turn."""

    def __init__(self, bases: list[str], token: str, room_id: int) -> None:
        self.bases = bases
        self.room_id = room_id
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        # A new connection per request: a kept-alive one that the server closes as idle
        # just when the next request goes out fails on the client's side (browsers send it
        # again by themselves); that race is not what these tests measure.
        self.http.headers["Connection"] = "close"
        self.answers: list[Answer] = []
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._turn = itertools.count()

    def _send(self, method: str, path: str, **kwargs) -> Answer:
        base = self.bases[next(self._turn) % len(self.bases)]
        started = time.monotonic()
        try:
            response = self.http.request(method, base + path, timeout=REQUEST_TIMEOUT, **kwargs)
            content_type = response.headers.get("Content-Type", "")
            answer = Answer(started, time.monotonic(), base, method, path,
                            response.status_code, content_type,
                            response.headers.get("Retry-After"),
                            json=response.json() if "json" in content_type else None)
        except requests.RequestException as error:
            answer = Answer(started, time.monotonic(), base, method, path, None,
                            error=type(error).__name__)
        with self._lock:
            self.answers.append(answer)
        return answer

    def _write(self, write: Write, method: str, path: str, body: dict, headers: dict,
               until: float | None = None) -> None:
        while until is None or time.monotonic() < until:
            answer = self._send(method, path, json=body, headers=headers)
            write.answers.append(answer)
            if answer.status is not None and 200 <= answer.status < 300:
                write.acked_id = answer.json["id"]
                return
            if until is None and self._stop.is_set():
                return  # finished later by settle()
            time.sleep(RETRY_PAUSE)

    def _message(self, write: Write, until: float | None = None) -> None:
        self._write(write, "POST", f"/rooms/{self.room_id}/messages",
                    {"body": f"Nachricht {write.key}", "client_key": write.key}, {}, until)

    def _concept(self, write: Write, until: float | None = None) -> None:
        self._write(write, "POST", "/concepts",
                    {"title": f"Konzept {write.key}", "summary": "Last", "body": "Text",
                     "topics": ["housing"]}, {"Idempotency-Key": write.key}, until)

    def _writer(self, kind: str) -> None:
        while not self._stop.is_set():
            write = Write(kind, uuid.uuid4().hex)
            with self._lock:
                self.writes.append(write)
            (self._message if kind == "message" else self._concept)(write)

    def _reader(self) -> None:
        while not self._stop.is_set():
            self._send("GET", "/concepts?q=Konzept")
            self._send("GET", f"/rooms/{self.room_id}/messages")
            time.sleep(0.05)

    def start(self) -> Load:
        for target, args in ((self._writer, ("message",)), (self._writer, ("concept",)),
                             (self._reader, ())):
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, settle_seconds: float = 30) -> None:
        """Stop starting new work; finish the writes not yet acknowledged (as a client
        would, sending them again) for at most ``settle_seconds``."""
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)
        until = time.monotonic() + settle_seconds
        for write in self.writes:
            if write.acked_id is None:
                (self._message if write.kind == "message" else self._concept)(write, until)

    def acked(self, kind: str) -> list[Write]:
        return [w for w in self.writes if w.kind == kind and w.acked_id is not None]
