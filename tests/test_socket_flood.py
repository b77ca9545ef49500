"""WebSockets cannot starve HTTP (issue 17, point 5): a server as deployed (gunicorn's
gevent worker, exchange/realtime.serving_mode) holds 1,000 idle sockets — 500 signed-in
Socket.IO connections and 500 anonymous attempts, refused by the socket gate — and a map
search on it still answers within 3 × the time it took with no socket open.

The sockets are held by one asyncio loop in this process (wsproto frames, the library
simple-websocket is built on), which answers Engine.IO's pings so that none is dropped
while the searches are timed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from exchange.db import point_wkt, utcnow
from exchange.listings.models import Listing
from tests import servers
from tests.chat import live

SIGNED_IN = 500
ANONYMOUS = 500
SEARCH = "/api/v1/listings?bbox=13.0,52.3,13.8,52.7&sort=newest&limit=50"


def _seed_listings(database_url: str, district_id: int, owner_id: int) -> None:
    """300 published bed offers around Berlin: something for the search to find."""
    engine = create_engine(database_url)
    now = utcnow()
    with Session(engine) as session:
        session.add_all([Listing(
            kind="beds", status="published", owner_id=owner_id, organization_id=district_id,
            location=point_wkt(52.35 + (i % 30) * 0.01, 13.1 + (i // 30) * 0.06),
            title=f"Unterkunft {i}", description="", street="Teststraße 1",
            postal_code="10117", city="Berlin", free_beds=1 + i % 9, source="manual",
            confirmed_at=now, expires_at=now + timedelta(days=14)) for i in range(300)])
        session.commit()
    engine.dispose()


class Holder:
    """Opens WebSockets to the server and keeps them open; counts how each ended up."""

    def __init__(self, port: int, opening_at_once: int = 50) -> None:
        self.port = port
        self.connected = 0
        self.refused = 0
        self.closed = 0
        # As browsers arrive: a few dozen handshakes at a time, not a thousand in one instant.
        self.opening = asyncio.Semaphore(opening_at_once)

    async def hold(self, headers: list[tuple[bytes, bytes]], auth: str | None,
                   stop: asyncio.Event) -> None:
        """One socket: opened (signed in with ``auth`` or anonymous), held until ``stop``."""
        await self.opening.acquire()
        settled = [False]

        def settle() -> None:
            if not settled[0]:
                settled[0] = True
                self.opening.release()

        try:
            await self._hold(headers, auth, stop, settle)
        except OSError:
            self.closed += 1
        finally:
            settle()

    async def _hold(self, headers: list[tuple[bytes, bytes]], auth: str | None,
                    stop: asyncio.Event, settle) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        connection = WSConnection(ConnectionType.CLIENT)
        writer.write(connection.send(Request(
            host=f"127.0.0.1:{self.port}", target="/socket.io/?EIO=4&transport=websocket",
            extra_headers=headers)))
        try:
            while not stop.is_set():
                reading = asyncio.ensure_future(reader.read(65536))
                stopping = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait({reading, stopping},
                                             return_when=asyncio.FIRST_COMPLETED)
                if reading not in done:
                    reading.cancel()
                    break
                stopping.cancel()
                data = reading.result()
                if not data:
                    self.closed += 1
                    return
                connection.receive_data(data)
                for event in connection.events():
                    if isinstance(event, AcceptConnection) and auth is not None:
                        writer.write(connection.send(Message(data=f'40{{"token":"{auth}"}}')))
                    elif isinstance(event, RejectConnection):
                        if event.status_code == 401:
                            self.refused += 1
                        return
                    elif isinstance(event, TextMessage):
                        if event.data == "2":  # Engine.IO ping: answer, stay open
                            writer.write(connection.send(Message(data="3")))
                        elif event.data.startswith("40"):
                            self.connected += 1
                            settle()
                    elif isinstance(event, Ping):
                        writer.write(connection.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        self.closed += 1
                        return
                await writer.drain()
        finally:
            writer.close()


def _search_ms(session: requests.Session, base: str, times: int) -> float:
    """The median time of ``times`` map searches, in milliseconds."""
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        answer = session.get(base + SEARCH, timeout=30)
        taken.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
        assert answer.json()["items"]
    return statistics.median(taken)


def test_a_thousand_idle_sockets_do_not_slow_a_search(no_transaction, tmp_path):
    database_url = servers.fresh_database("_flood")
    env = servers.production_env(database_url, tmp_path / "i", "flood-test")
    port = servers.free_port()
    log = tmp_path / "server.log"
    with ExitStack() as stack:
        process = servers.start_server(stack, env, port, log,
                                       connections=SIGNED_IN + ANONYMOUS + 200)
        servers.upgrade_database(database_url)
        data = live.seed(database_url)
        _seed_listings(database_url, data["district_id"], data["ids"]["alice"])
        servers.wait_until_serving(process, port, log)
        token = data["tokens"]["alice"]
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        base = f"http://127.0.0.1:{port}"
        _search_ms(api, base, 5)  # warm-up: connections, caches
        idle_ms = _search_ms(api, base, 21)

        holder = Holder(port)

        async def flood() -> float:
            stop = asyncio.Event()
            bearer = [(b"Authorization", f"Bearer {token}".encode())]
            tasks = [asyncio.ensure_future(holder.hold(bearer, token, stop))
                     for _ in range(SIGNED_IN)]
            tasks += [asyncio.ensure_future(holder.hold([], None, stop))
                      for _ in range(ANONYMOUS)]
            deadline = time.monotonic() + 120
            while (holder.connected < SIGNED_IN or holder.refused < ANONYMOUS) \
                    and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert holder.connected == SIGNED_IN, (holder.connected, holder.closed,
                                                  log.read_text()[-2000:])
            assert holder.refused == ANONYMOUS
            # As before the sockets: a warm-up (the last CONNECTs settle), then the timed ones.
            await asyncio.to_thread(_search_ms, api, base, 5)
            busy = await asyncio.to_thread(_search_ms, api, base, 21)
            assert holder.closed == 0  # every signed-in socket still open after the searches
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            return busy

        # Its own thread and loop: a browser test's Playwright may hold this thread's loop.
        with ThreadPoolExecutor(1) as thread:
            busy_ms = thread.submit(asyncio.run, flood()).result()
        print(f"map search: {idle_ms:.1f} ms idle, {busy_ms:.1f} ms with "
              f"{SIGNED_IN} signed-in sockets open and {ANONYMOUS} refused "
              f"({busy_ms / idle_ms:.2f} ×)")
        assert busy_ms <= 3 * idle_ms, (idle_ms, busy_ms)
