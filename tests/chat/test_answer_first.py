"""A socket `send` is answered before it is broadcast (exchange.realtime.run_after_answer):
on the server as deployed (gunicorn's gevent worker) the sender's acknowledgement is
queued ahead of the message's copies for the room, the sender's own copy included. A
sender waits for that answer before sending again, and in a room of hundreds it would
otherwise wait behind every copy (benchmarks/README.md, "Chat").

Its own database and server process, committed to: see tests/servers.py.
"""

from __future__ import annotations

import queue
from contextlib import ExitStack

from tests import servers
from tests.chat import live


def _next_reply(heard: queue.Queue) -> tuple[str, dict]:
    """The next answer or message the sender hears (presence and the like passed over)."""
    while True:
        event, data = heard.get(timeout=live.WAIT_SECONDS)
        if event in ("answer", "message"):
            return event, data


def test_the_sender_hears_the_answer_before_the_room_hears_the_message(no_transaction, tmp_path):
    database_url = servers.fresh_database("_answer")
    port = servers.free_port()
    log = tmp_path / "server.log"
    with ExitStack() as stack:
        process = servers.start_server(
            stack, servers.production_env(database_url, tmp_path / "i", "answer"), port, log)
        servers.upgrade_database(database_url)
        data = live.seed(database_url)
        servers.wait_until_serving(process, port, log)
        bob = live.client(stack, port, data["tokens"]["bob"])

        alice, heard = live.connected(stack, port, data["tokens"]["alice"])

        for number in range(5):
            alice.emit("send", {"room_id": data["room_id"], "body": f"Nachricht {number}"},
                       callback=lambda answer: heard.put(("answer", answer)))
            first, second = _next_reply(heard), _next_reply(heard)
            assert [first[0], second[0]] == ["answer", "message"]
            assert first[1]["id"] == second[1]["id"]
            assert first[1]["body"] == f"Nachricht {number}"
            # and the room hears it: Bob, on the same process
            assert live.next_event(bob, "message")["id"] == first[1]["id"]
