"""Chat benchmark: 500 Socket.IO clients in one room, Exchange vs a bare python-socketio
broadcast, one process vs two with Redis, in one run.

    python -m benchmarks.chat                      # 500 clients, 5 interleaved rounds
    python -m benchmarks.chat --clients 200 --rounds 2 --seconds 4
    python -m benchmarks.chat --client socketio    # receive with python-socketio's Client

What runs, all on 127.0.0.1, every process started here and stopped at the end:

- the database exchange_bench_chat (on the server of BENCH_DATABASE_URL, default the local
  one; another prefix with BENCH_DATABASE_PREFIX), made afresh each run and migrated with
  the app's real migrations; one district, ``--clients`` officials and a sender, all
  members of one private group room, one API token each (COPY). Ids start high so that no
  other test's room shares a Socket.IO room name on a Redis shared with it.
- three set-ups, each served by gunicorn with one worker of ``--worker-class`` (default
  gevent, as in production, docs/deploy.md; gthread measures the earlier model, a thread
  per socket): "exchange" = ``exchange:create_app()`` (one process, no Redis); "bare" =
  ``benchmarks.chat:bare_app()``, a python-socketio Server in the same async mode
  (gevent or threading, simple-websocket) that stores nothing and broadcasts each received ``send``
  to the room as a Message-shaped payload of the same size and acks it; "redis" = two
  ``exchange:create_app()`` processes with REDIS_URL (default redis://127.0.0.1:6379/14),
  the clients split over both, every message sent to the first and carried to the second
  by Flask-SocketIO's Redis queue.
- ``--clients`` receiving Socket.IO clients per set-up, WebSocket transport, token auth,
  dealt over ``--processes`` client processes per set-up. By default they are the
  benchmark's own (LeanClient: Engine.IO 4 / Socket.IO 5 text packets over one WebSocket,
  answering pings), all sockets of a process read by one thread. python-socketio's Client
  (``--client socketio``) keeps two threads per connection and starts one more for every
  packet it receives; 125 of them in a process spent more CPU than the server they
  measured, so its figures described the clients. Either way the message handler only
  counts and times.
- one sender per set-up (the extra member; ``--senders`` for more sockets of it) in this
  process, python-socketio's Client: ``send`` {room_id, body} on its socket, waiting for
  the acknowledgement (the stored Message) each time.

Figures, measured in rounds that visit the set-ups in a shuffled order each round, so that
the noise of a shared machine falls on all of them alike:

- latency: single messages, one at a time, each after the previous one reached every
  client; latency = the receiving client's clock at the `message` event − the sender's
  clock before ``send`` (one machine, one clock); p50 and p99 over all deliveries;
- throughput: for ``--seconds`` after a warm-up, messages are sent as fast as they are
  acknowledged while at most ``--window`` messages are not yet delivered to everyone
  (the clients count their deliveries in shared memory); deliveries per second = counted
  deliveries / time, the median over the rounds; messages per second to all = that /
  clients;
- ratios: Exchange ÷ bare deliveries per second (target ≥ 0.8), Exchange's latency p99 ÷
  bare's (target ≤ 1.5; issue 17), and two processes with
  Redis ÷ one process.

Results go to benchmarks/results/chat.json. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import multiprocessing
import os
import queue
import random
import secrets
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from benchmarks.common import (
    ROOT,
    database_url,
    figure_row,
    migrate,
    print_table,
    recreate_database,
    write_results,
)

BIN = Path(sys.executable).parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

TARGET_BARE_RATIO = 0.8
TARGET_P99_RATIO = 1.5  # Exchange's latency p99 ÷ bare's, at most
FIRST_ID = 900_001  # far above the ids of test and development databases
ROOM_NAME = "Benchmark: alle Kreise"
SENDER_NAME = "Benchmark Sender"
# A sentence of an ordinary chat message; the benchmark's tag and clock go in front.
TEXT = "Wir haben noch 100 freie Betten in der Turnhalle, kann jemand sie brauchen?"

CONNECT_THREADS = 4  # concurrent connects per client process
CONNECT_TIMEOUT = 20.0
ACK_TIMEOUT = 20.0
DELIVERY_TIMEOUT = 10.0  # for one latency message to reach every client
DRAIN_TIMEOUT = 30.0
SETTLE_SECONDS = 1.0
SETTLE_IDLE_CORES = 0.1  # servers using less than this are idle
SETTLE_TIMEOUT = 60.0


# --- the bare server -----------------------------------------------------------------------


def bare_app():
    """gunicorn 'benchmarks.chat:bare_app()': python-socketio alone, in the async mode
    Exchange picks for the worker (exchange.realtime.serving_mode), no storage. Every
    socket joins one room on connect; ``send`` is broadcast to it as a Message-shaped
    payload and acknowledged with the same, as Exchange does."""
    import itertools

    import socketio

    from exchange.realtime import serving_mode

    server = socketio.Server(async_mode=serving_mode(), cors_allowed_origins=[])
    ids = itertools.count(FIRST_ID)
    author = {"id": int(os.environ.get("BENCH_CHAT_AUTHOR_ID", FIRST_ID)), "name": SENDER_NAME}

    @server.event
    def connect(sid, environ, auth=None):
        server.enter_room(sid, "room")
        return True

    @server.on("send")
    def send(sid, data):
        message = {
            "id": next(ids), "room_id": data["room_id"], "author": author,
            "body": data["body"].strip(),
            "created_at": datetime.now(UTC).isoformat(),
            "edited_at": None, "deleted_at": None, "reply_to_id": None, "listing_id": None,
            "documents": [],
        }
        server.emit("message", message, to="room")
        return message

    return socketio.WSGIApp(server)


# --- database ------------------------------------------------------------------------------


@dataclass
class Seed:
    url: str
    room_id: int
    sender_id: int
    sender_token: str
    tokens: list[str]


def prepare_database(clients: int) -> Seed:
    """Drop, create and migrate the database; one room with clients + 1 members (COPY)."""
    import psycopg

    url = database_url("chat")
    started = time.perf_counter()
    recreate_database(url)
    migrate(url)
    tokens = ["exc_" + secrets.token_urlsafe(32) for _ in range(clients + 1)]
    user_ids = list(range(FIRST_ID, FIRST_ID + clients + 1))
    sender_id = user_ids[0]
    with psycopg.connect(url) as conn:
        organization_id = conn.execute(
            "INSERT INTO organizations (id, name, kind) VALUES (%s, %s, 'district') RETURNING id",
            (FIRST_ID, "Landkreis Benchmark"),
        ).fetchone()[0]
        room_id = conn.execute(
            "INSERT INTO chat_rooms (id, kind, visibility, name, created_by_id)"
            " VALUES (%s, 'group', 'private', %s, NULL) RETURNING id",
            (FIRST_ID, ROOM_NAME),
        ).fetchone()[0]
        with conn.cursor() as cursor:
            with cursor.copy("COPY users (id, email, name) FROM STDIN") as copy:
                for number, user_id in enumerate(user_ids):
                    name = SENDER_NAME if user_id == sender_id else f"Amt {number:03d}"
                    copy.write_row((user_id, f"chat{number}@bench.example", name))
            with cursor.copy(
                "COPY memberships (user_id, organization_id, role, status) FROM STDIN"
            ) as copy:
                for user_id in user_ids:
                    copy.write_row((user_id, organization_id, "official", "active"))
            with cursor.copy("COPY chat_members (room_id, user_id, role) FROM STDIN") as copy:
                for user_id in user_ids:
                    copy.write_row((room_id, user_id, "owner" if user_id == sender_id
                                    else "member"))
            with cursor.copy("COPY api_tokens (user_id, name, token_hash) FROM STDIN") as copy:
                for user_id, raw in zip(user_ids, tokens, strict=True):
                    copy.write_row((user_id, "benchmark",
                                    hashlib.sha256(raw.encode()).hexdigest()))
        for table in ("organizations", "users", "chat_rooms"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                         f" (SELECT max(id) FROM {table}))")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"{make_url(url).database}: created, migrated, {clients + 1} members with tokens "
          f"({time.perf_counter() - started:.1f} s)")
    return Seed(url, room_id, sender_id, tokens[0], tokens[1:])


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(name: str, app: str, env: dict, threads: int, workdir: Path,
                 worker_class: str = "gevent") -> Server:
    """gunicorn, one worker. gevent: a socket is a greenlet; gthread: a WebSocket holds one
    of its threads while it is open, so there must be a thread per socket and some more."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--worker-class", worker_class, "--workers", "1",
             "--threads", str(threads), "--worker-connections", str(threads + 100),
             "--graceful-timeout", "2", "--bind", f"127.0.0.1:{port}",
             # not the control socket in $HOME that every gunicorn here would share
             "--no-control-socket", app],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
    return Server(name, port, process, log)


def wait_until_serving(server: Server, timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.tail()}")
        try:
            requests.get(f"{server.url}/benchmark-ready", timeout=5)  # any answer will do
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not start within {timeout:.0f} s:\n{server.tail()}")


def stop_server(server: Server) -> None:
    """SIGTERM to gunicorn's process group, SIGKILL after a few seconds."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(6)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(5)


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's master and its worker), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def server_pids(setup: Setup) -> list[int]:
    """The processes of a set-up's servers (gunicorn's masters and workers)."""
    return [pid for server in setup.servers for pid in process_tree(server.process.pid)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (0 where /proc cannot tell)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- clients -------------------------------------------------------------------------------


def _client_class():
    """python-socketio's Client whose Engine.IO client calls the message handler on its
    read thread (in order) instead of starting a thread per received packet."""
    import engineio
    import socketio

    class InlineEngineIOClient(engineio.Client):
        def _trigger_event(self, event, *args, **kwargs):
            kwargs["run_async"] = False
            return super()._trigger_event(event, *args, **kwargs)

    class BenchClient(socketio.Client):
        def _engineio_client_class(self):
            return InlineEngineIOClient

    return BenchClient


def connect_client(url: str, token: str, on_message=None):
    client = _client_class()(reconnection=False)
    if on_message is not None:
        client.on("message", on_message)
    client.connect(url, auth={"token": token}, headers={"Authorization": f"Bearer {token}"},
                   transports=["websocket"],
                   wait_timeout=CONNECT_TIMEOUT)
    return client


@dataclass
class Seat:
    """One receiving client: its set-up, the server it connects to, its token and its
    slot in the shared delivery counters."""

    setup: str
    url: str
    token: str
    slot: int


class LeanClient:
    """A receiving Socket.IO client of the benchmark's own: one WebSocket carrying Engine.IO
    4 / Socket.IO 5 text packets; it answers pings and hands `message` events on. Many
    share one thread (LeanLoop), so that a client process spends its CPU on reading
    rather than on switching between hundreds of threads (see --client)."""

    def __init__(self, url: str, token: str, on_message) -> None:
        address = url.removeprefix("http://")
        host, _, port = address.partition(":")
        self.host, self.port, self.token, self.on_message = host, int(port), token, on_message
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.partial: list[bytes] = []
        self.closed = False

    def connect(self, timeout: float = CONNECT_TIMEOUT) -> LeanClient:
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            # the socket gate (exchange/socket_gate.py) wants the token on the handshake
            f"Authorization: Bearer {self.token}\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n")[0].decode(errors="replace"))
        self.buffer = bytearray(rest)
        if not self._next_text().startswith("0"):  # Engine.IO open
            raise ConnectionError("no Engine.IO open packet")
        self.send_text("40" + json.dumps({"token": self.token}))  # Socket.IO connect
        while not (packet := self._next_text()).startswith("40"):
            if packet.startswith("44"):
                raise ConnectionError(f"refused: {packet[2:]}")
            self.handle_text(packet)
        sock.settimeout(None)  # from now on read only when the selector says so
        return self

    def _receive(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed during the handshake")
        self.buffer += data

    def _next_text(self) -> str:
        while True:
            for opcode, payload in self.frames():
                if opcode == 1:
                    return payload.decode()
            self._receive()

    def frames(self):
        """Complete frames in the buffer (server frames are unmasked), consumed."""
        buffer, position = self.buffer, 0
        try:
            while len(buffer) - position >= 2:
                first, second = buffer[position], buffer[position + 1]
                length, start = second & 0x7F, position + 2
                if length == 126:
                    if len(buffer) - position < 4:
                        return
                    length, start = int.from_bytes(buffer[start:start + 2], "big"), start + 2
                elif length == 127:
                    if len(buffer) - position < 10:
                        return
                    length, start = int.from_bytes(buffer[start:start + 8], "big"), start + 8
                end = start + length
                if len(buffer) < end:
                    return
                payload = bytes(buffer[start:end])
                position = end
                opcode = first & 0x0F
                if not first & 0x80:  # a fragment: kept until the final one
                    self.partial.append(payload)
                    continue
                if opcode == 0:
                    payload, opcode = b"".join(self.partial) + payload, 1
                    self.partial.clear()
                yield opcode, payload
        finally:
            del buffer[:position]

    def feed(self, data: bytes) -> None:
        self.buffer += data
        for opcode, payload in self.frames():
            if opcode == 1:
                self.handle_text(payload.decode())
            elif opcode == 9:
                self.send_frame(10, payload)
            elif opcode == 8:
                self.closed = True

    def handle_text(self, packet: str) -> None:
        if packet == "2":  # Engine.IO ping
            self.send_text("3")
        elif packet.startswith('42["message",'):
            self.on_message(json.loads(packet[2:])[1])
        elif packet == "1" or packet.startswith("41"):
            self.closed = True

    def send_text(self, text: str) -> None:
        self.send_frame(1, text.encode())

    def send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        header = bytes([0x80 | opcode])
        header += bytes([0x80 | length]) if length < 126 else bytes([0xFE]) + length.to_bytes(
            2, "big")
        mask = os.urandom(4)
        key = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(
            length, "big")
        self.sock.sendall(header + mask + masked)

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()


class LeanLoop(threading.Thread):
    """One thread reading the LeanClients of a process as data arrives."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="lean-loop")
        self.selector = selectors.DefaultSelector()
        self.incoming: queue.SimpleQueue[LeanClient] = queue.SimpleQueue()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            while not self.incoming.empty():
                client = self.incoming.get()
                self.selector.register(client.sock, selectors.EVENT_READ, client)
                client.feed(b"")  # what came with the handshake
            for key, _events in self.selector.select(0.05):
                client = key.data
                try:
                    data = client.sock.recv(262144)
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(client.sock)
                    client.closed = True
                    continue
                client.feed(data)


def client_process(seats: list[Seat], counters, conn, idle_timeout: float, kind: str) -> None:
    """Connect the seats, say how many, then count and time deliveries until told to stop
    (or until the orchestrator has been silent for idle_timeout seconds)."""
    samples: dict[str, list[float]] = {}
    clients = []
    errors: list[str] = []
    loop = LeanLoop() if kind == "lean" else None
    if loop is not None:
        loop.start()

    def handler(slot: int):
        def on_message(data) -> None:
            now = time.time()
            counters[slot] += 1  # only one thread reads this client
            body = data.get("body", "") if isinstance(data, dict) else ""
            if body.startswith("bench "):
                _bench, tag, _sequence, sent = body.split(" ", 4)[:4]
                samples.setdefault(tag, []).append(now - float(sent))
        return on_message

    def connect(seat: Seat):
        try:
            if loop is None:
                return connect_client(seat.url, seat.token, handler(seat.slot))
            client = LeanClient(seat.url, seat.token, handler(seat.slot)).connect()
            loop.incoming.put(client)
            return client
        except Exception as error:  # reported to the orchestrator
            errors.append(f"{seat.setup}: {type(error).__name__}: {error}")
            return None

    try:
        with ThreadPoolExecutor(CONNECT_THREADS) as pool:
            clients = [client for client in pool.map(connect, seats) if client is not None]
        conn.send(("ready", len(clients), errors[:5]))
        while conn.poll(idle_timeout):
            command = conn.recv()
            if command == "collect":
                closed = sum(1 for client in clients if getattr(client, "closed", False))
                conn.send(("samples", {tag: list(values) for tag, values in samples.items()},
                           closed))
            elif command == "stop":
                break
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        # Closing the sockets is enough; the servers are stopped right after.
        if loop is not None:
            loop.stopping.set()
        for client in clients:
            with contextlib.suppress(Exception):  # leaving anyway
                if isinstance(client, LeanClient):
                    client.close()
                else:
                    client.eio.disconnect(abort=True)
        conn.close()


@dataclass
class Setup:
    """One way of serving the room: its servers, where the sender sends, its seats."""

    name: str
    label: str
    servers: list[Server]
    sender_server: Server
    slots: range = field(default_factory=lambda: range(0))
    senders: list = field(default_factory=list)
    connected: int = 0
    latency_tag: str = ""
    throughput_tag: str = ""
    rounds: list[dict] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    # server CPU seconds and messages of the latency rounds (one message at a time)
    latency_cpu: float = 0.0
    latency_messages: int = 0
    lost: int = 0
    payload_bytes: int = 0


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.servers: list[Server] = []
        self.processes: list = []
        self.pipes: list = []
        self.workdir = Path(tempfile.mkdtemp(prefix="exchange-bench-chat-"))
        self.counters = None
        self.seed: Seed | None = None
        self.closed = 0  # receiving sockets the servers closed during the run

    # -- lifecycle --

    def cleanup(self, keep_logs: bool = False) -> None:
        """Stop every process started here; the servers' logs stay only after a failure."""
        for setup_server in self.servers:
            stop_server(setup_server)
        for pipe in self.pipes:
            with contextlib.suppress(OSError, ValueError):
                pipe.send("stop")
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(3)
            if process.is_alive():
                process.kill()
                process.join(3)
        if keep_logs:
            print(f"server logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def start_servers(self, seed: Seed) -> list[Setup]:
        base_env = {key: value for key, value in os.environ.items()
                    if key not in ("REDIS_URL", "FLASK_RUN_FROM_CLI")}
        base_env.update({
            "DATABASE_URL": seed.url, "EXCHANGE_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(self.workdir / "instance"),
            "BENCH_CHAT_AUTHOR_ID": str(seed.sender_id),
        })
        redis_env = {**base_env, "REDIS_URL": self.args.redis_url}
        threads = self.args.clients + 64
        worker = self.args.worker_class
        exchange = start_server("exchange", "exchange:create_app()", base_env, threads,
                                self.workdir, worker)
        bare = start_server("bare", "benchmarks.chat:bare_app()", base_env, threads,
                            self.workdir, worker)
        redis_a = start_server("redis-a", "exchange:create_app()", redis_env, threads,
                               self.workdir, worker)
        redis_b = start_server("redis-b", "exchange:create_app()", redis_env, threads,
                               self.workdir, worker)
        self.servers = [exchange, bare, redis_a, redis_b]
        for server in self.servers:
            wait_until_serving(server)
        return [
            Setup("exchange", "Exchange, 1 process", [exchange], exchange),
            Setup("bare", "bare python-socketio, 1 process", [bare], bare),
            Setup("redis", "Exchange, 2 processes + Redis", [redis_a, redis_b], redis_a),
        ]

    def start_clients(self, setups: list[Setup], seed: Seed) -> None:
        """Seats for every set-up, dealt round-robin to the client processes; one set-up
        connects at a time (Exchange announces each newcomer's presence to the room)."""
        context = multiprocessing.get_context("spawn")
        n = self.args.clients
        self.counters = context.Array("q", n * len(setups), lock=False)
        for index, setup in enumerate(setups):
            setup.slots = range(index * n, (index + 1) * n)
            setup.latency_tag, setup.throughput_tag = f"{setup.name}-lat", f"{setup.name}-tput"
        for setup in setups:
            started = time.perf_counter()
            seats = [Seat(setup.name, setup.servers[number % len(setup.servers)].url,
                          seed.tokens[number], setup.slots[number]) for number in range(n)]
            dealt = [seats[p::self.args.processes] for p in range(self.args.processes)]
            pipes = []
            for part in dealt:
                parent, child = context.Pipe()
                process = context.Process(
                    target=client_process, args=(part, self.counters, child,
                                                 self.args.max_seconds, self.args.client),
                    daemon=True, name=f"bench-chat-clients-{setup.name}",
                )
                process.start()
                child.close()
                self.processes.append(process)
                pipes.append(parent)
            self.pipes.extend(pipes)
            deadline = time.monotonic() + 60 + n * 0.5
            for pipe in pipes:
                if not pipe.poll(max(1.0, deadline - time.monotonic())):
                    raise RuntimeError(f"{setup.name}: client processes did not connect in time")
                _ready, count, errors = pipe.recv()
                setup.connected += count
                for error in errors:
                    print(f"  {setup.name}: connect failed: {error}")
            setup.senders = [connect_client(setup.sender_server.url, seed.sender_token)
                             for _ in range(self.args.senders)]
            print(f"{setup.label}: {setup.connected}/{n} clients connected "
                  f"({time.perf_counter() - started:.1f} s)")
        self.settle(setups)

    def settle(self, setups: list[Setup]) -> None:
        """Wait until the servers are idle: Exchange announces each newcomer's presence to
        the room, and those deliveries must not fall into the first measurement."""
        pids = [pid for server in self.servers for pid in process_tree(server.process.pid)]
        deadline = time.monotonic() + SETTLE_TIMEOUT
        before = cpu_seconds(pids)
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            after = cpu_seconds(pids)
            if after - before < SETTLE_SECONDS * SETTLE_IDLE_CORES:
                return
            before = after
        print(f"  the servers were still busy after {SETTLE_TIMEOUT:.0f} s; measuring anyway")

    # -- measuring --

    def delivered(self, setup: Setup) -> int:
        # One slice of the shared array (11 µs for 500 clients), not an index per client
        # (63 µs): the sender polls this while the server fans out, on the same two cores,
        # and a server that answers before it broadcasts is polled through its whole fan-out.
        return sum(self.counters[setup.slots.start:setup.slots.stop])

    def send(self, setup: Setup, sender, tag: str, sequence: int) -> None:
        sent_at = time.time()
        body = f"bench {tag} {sequence} {sent_at:.6f} {TEXT}"
        started = time.perf_counter()
        ack = sender.call("send", {"room_id": self.seed.room_id, "body": body},
                          timeout=ACK_TIMEOUT)
        if not isinstance(ack, dict) or "id" not in ack:
            raise RuntimeError(f"{setup.name}: send was answered with {ack!r}")
        if tag == setup.latency_tag:
            setup.ack_ms.append((time.perf_counter() - started) * 1000)
        setup.payload_bytes = len(json.dumps(ack, separators=(",", ":")).encode())

    def wait_delivered(self, setup: Setup, expected: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.delivered(setup) < expected:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.0005)
        return True

    def latency_round(self, setup: Setup, sequence_start: int) -> None:
        receivers = setup.connected
        base = self.delivered(setup)
        pids = server_pids(setup)
        cpu_before = cpu_seconds(pids)
        for number in range(self.args.latency_messages):
            self.send(setup, setup.senders[0], setup.latency_tag, sequence_start + number)
            expected = base + (number + 1) * receivers
            if not self.wait_delivered(setup, expected, DELIVERY_TIMEOUT):
                setup.lost += expected - self.delivered(setup)
                base = self.delivered(setup) - (number + 1) * receivers
            time.sleep(0.02)
        setup.latency_cpu += cpu_seconds(pids) - cpu_before
        setup.latency_messages += self.args.latency_messages

    def throughput_round(self, setup: Setup) -> dict:
        """Each sender sends as fast as it is acknowledged, while at most `window` messages
        are not yet delivered to every client; deliveries are counted over the measured
        period after the warm-up."""
        receivers = setup.connected
        window = self.args.window * receivers
        base = self.delivered(setup)
        lock = threading.Lock()
        sent = [0]
        stop = threading.Event()
        failures: list[BaseException] = []

        def sending(sender) -> None:
            try:
                while not stop.is_set():
                    with lock:
                        room = sent[0] * receivers - (self.delivered(setup) - base) <= window
                        if room:
                            sent[0] += 1
                            sequence = sent[0]
                    if room:
                        self.send(setup, sender, setup.throughput_tag, sequence)
                    else:
                        time.sleep(0.0005)
            except BaseException as error:  # noqa: BLE001 - raised in the main thread
                failures.append(error)
                stop.set()

        threads = [threading.Thread(target=sending, args=(sender,), daemon=True)
                   for sender in setup.senders]
        for thread in threads:
            thread.start()
        pids = server_pids(setup)
        stop.wait(self.args.warmup)
        first = (time.perf_counter(), self.delivered(setup) - base, sent[0], cpu_seconds(pids))
        stop.wait(self.args.seconds)
        end = (time.perf_counter(), self.delivered(setup) - base, sent[0], cpu_seconds(pids))
        stop.set()
        for thread in threads:
            thread.join(ACK_TIMEOUT + 1)
        if failures:
            raise failures[0]
        seconds = end[0] - first[0]
        expected = base + sent[0] * receivers
        if not self.wait_delivered(setup, expected, DRAIN_TIMEOUT):
            setup.lost += expected - self.delivered(setup)
        return {"seconds": round(seconds, 3), "deliveries": end[1] - first[1],
                "messages_sent": end[2] - first[2],
                "deliveries_per_s": (end[1] - first[1]) / seconds,
                "server_cpu_cores": (end[3] - first[3]) / seconds}

    def run(self) -> dict:
        args = self.args
        print(f"{args.clients} clients per set-up in {args.processes} client processes, "
              f"{args.rounds} rounds; scratch files in {self.workdir}")
        self.seed = prepare_database(args.clients)
        import redis

        redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).delete(
            "exchange:presence")
        setups = self.start_servers(self.seed)
        self.start_clients(setups, self.seed)
        rng = random.Random(args.seed)
        order = list(setups)
        for round_number in range(args.rounds):
            rng.shuffle(order)
            for setup in order:
                self.latency_round(setup, round_number * args.latency_messages)
                result = self.throughput_round(setup)
                result["round"] = round_number
                setup.rounds.append(result)
                print(f"  round {round_number + 1}: {setup.label:<34} "
                      f"{result['deliveries_per_s']:>9,.0f} deliveries/s")
        samples: dict[str, list[float]] = {}
        for pipe in self.pipes:
            pipe.send("collect")
        for pipe in self.pipes:
            if not pipe.poll(60):
                raise RuntimeError("a client process did not return its samples")
            _kind, part, closed = pipe.recv()
            for tag, values in part.items():
                samples.setdefault(tag, []).extend(values)
            self.closed += closed
        return {"setups": setups, "samples": samples, "closed": self.closed}


# --- figures -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def rate(setup: Setup) -> float:
    """Deliveries per second: the median over the rounds (one round that a burst of other
    work on the machine slowed down does not decide)."""
    return statistics.median(r["deliveries_per_s"] for r in setup.rounds) if setup.rounds else 0.0


def paired_ratio(setup: Setup, other: Setup) -> float:
    """Deliveries per second of ``setup`` ÷ ``other``, the median over the rounds of each
    round's ratio: the two are measured within seconds of each other in a round, so a
    change in what else the machine does between rounds falls on both (the ratio of the
    medians mixes rounds measured up to minutes apart)."""
    ratios = [mine["deliveries_per_s"] / theirs["deliveries_per_s"]
              for mine, theirs in zip(setup.rounds, other.rounds, strict=True)
              if theirs["deliveries_per_s"]]
    return statistics.median(ratios) if ratios else 0.0


def figures(measured: dict, clients: int) -> tuple[list[dict], dict]:
    setups = {setup.name: setup for setup in measured["setups"]}
    samples = measured["samples"]
    summary: dict[str, dict] = {}
    for name, setup in setups.items():
        latency = [value * 1000 for value in samples.get(setup.latency_tag, [])]
        loaded = [value * 1000 for value in samples.get(setup.throughput_tag, [])]
        summary[name] = {
            "label": setup.label, "connected": setup.connected,
            "servers": [server.url for server in setup.servers],
            "latency_samples": len(latency),
            "latency_p50_ms": percentile(latency, 0.50),
            "latency_p99_ms": percentile(latency, 0.99),
            "latency_max_ms": max(latency) if latency else float("nan"),
            "ack_p50_ms": statistics.median(setup.ack_ms) if setup.ack_ms else float("nan"),
            "cpu_ms_per_message": (1000 * setup.latency_cpu / setup.latency_messages
                                   if setup.latency_messages else float("nan")),
            "loaded_latency_p50_ms": percentile(loaded, 0.50),
            "loaded_latency_p99_ms": percentile(loaded, 0.99),
            "deliveries_per_s": rate(setup),
            "server_cpu_cores": statistics.mean(r["server_cpu_cores"] for r in setup.rounds),
            "messages_per_s_to_all": rate(setup) / setup.connected if setup.connected else 0,
            "rounds": setup.rounds, "undelivered": setup.lost,
            "payload_bytes": setup.payload_bytes,
        }
    rows: list[dict] = []

    def add(*args, **kwargs) -> None:
        rows.append(figure_row(*args, **kwargs))

    for name in ("exchange", "bare", "redis"):
        figures_of = summary[name]
        label = figures_of["label"]
        add(f"{label}: clients connected", figures_of["connected"], "", f"= {clients}",
            figures_of["connected"] == clients,
            f"Message payload {figures_of['payload_bytes']} bytes as JSON")
        add(f"{label}: latency p50", figures_of["latency_p50_ms"], "ms",
            detail=f"{figures_of['latency_samples']:,} deliveries; ack p50 "
                   f"{figures_of['ack_p50_ms']:.1f} ms")
        add(f"{label}: latency p99", figures_of["latency_p99_ms"], "ms",
            detail=f"max {figures_of['latency_max_ms']:.0f} ms")
        add(f"{label}: server CPU per message", figures_of["cpu_ms_per_message"], "ms",
            detail="one message at a time (the latency rounds), to every client")
        add(f"{label}: deliveries/s", figures_of["deliveries_per_s"], "/s",
            detail=f"= {figures_of['messages_per_s_to_all']:.1f} messages/s to all; server "
                   f"CPU {figures_of['server_cpu_cores']:.2f} cores; p50 latency under load "
                   f"{figures_of['loaded_latency_p50_ms']:.0f} ms")
        add(f"{label}: undelivered", figures_of["undelivered"], "", "= 0",
            figures_of["undelivered"] == 0)
    exchange, bare, redis = (summary[name]["deliveries_per_s"]
                             for name in ("exchange", "bare", "redis"))
    paired = paired_ratio(setups["exchange"], setups["bare"])
    add("Exchange ÷ bare python-socketio, deliveries/s", paired, "×",
        f"≥ {TARGET_BARE_RATIO:g}", paired >= TARGET_BARE_RATIO,
        "median of the rounds' ratios; ratio of the medians "
        f"{exchange:,.0f} / {bare:,.0f} = {exchange / bare if bare else 0:.2f}")
    p99 = summary["exchange"]["latency_p99_ms"] / (summary["bare"]["latency_p99_ms"] or 1)
    add("Exchange ÷ bare python-socketio, latency p99", p99, "×", f"≤ {TARGET_P99_RATIO:g}",
        p99 <= TARGET_P99_RATIO)
    add("2 processes + Redis ÷ 1 process, deliveries/s", redis / exchange if exchange else 0,
        "×", detail=f"{redis:,.0f} / {exchange:,.0f}")
    add("receiving sockets closed during the run", measured["closed"], "", "= 0",
        measured["closed"] == 0)
    return rows, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="receiving clients per set-up")
    parser.add_argument("--processes", type=int, default=4, help="client processes per set-up")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="measured sending time per set-up and round")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="unmeasured sending before each measured period")
    parser.add_argument("--window", type=int, default=8,
                        help="messages sent but not yet delivered to every client, at most")
    parser.add_argument("--senders", type=int, default=1,
                        help="sockets of the sender sending at the same time (throughput)")
    # Each message reaches every client, so the p99 over all deliveries is decided by the
    # slowest 1 % of the messages: of 100 (20 × 5 rounds) that is one message, a single
    # hiccup of the machine; of 300 it is three.
    parser.add_argument("--latency-messages", type=int, default=60,
                        help="single messages timed per set-up and round")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--max-seconds", type=float, default=1200.0,
                        help="the whole run is stopped after this long")
    parser.add_argument("--client", choices=("lean", "socketio"), default="lean",
                        help="receiving clients: the benchmark's own, many per thread "
                             "(default), or python-socketio's Client, two threads each")
    parser.add_argument("--worker-class", choices=("gevent", "gthread"), default="gevent",
                        help="gunicorn's worker: gevent as deployed (default) or gthread, "
                             "the earlier thread-per-socket model")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    bench = Bench(args)
    # Whatever happens (an error, Ctrl-C, the time limit), every process started here ends.
    watchdog = threading.Timer(args.max_seconds, _give_up, args=(bench,))
    watchdog.daemon = True
    watchdog.start()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    measured = None
    try:
        measured = bench.run()
    finally:
        watchdog.cancel()
        bench.cleanup(keep_logs=measured is None)
        signal.signal(signal.SIGTERM, previous)
    rows, summary = figures(measured, args.clients)
    print_table(rows, "ratios are measured side by side in one run on a shared machine; the "
                      "absolute figures are context")
    write_results("chat", {
        "settings": {key: value for key, value in vars(args).items() if key != "redis_url"},
        "server": f"gunicorn, 1 {args.worker_class} worker per process "
                  "(gthread: threads = clients + 64)",
        "figures": rows,
        "setups": summary,
    })
    return 0 if all(row["pass"] is not False for row in rows) else 1


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _give_up(bench: Bench) -> None:
    print(f"\nstopped: the run took longer than {bench.args.max_seconds:.0f} s", flush=True)
    bench.cleanup(keep_logs=True)
    os._exit(2)


if __name__ == "__main__":
    sys.exit(main())
