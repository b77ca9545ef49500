"""A database that cannot answer (a lock held past lock_timeout, a connection cut by a
restart) is a 503 with Retry-After, never a bare 500: JSON for the API, a short German and
English page for pages, a 503 acknowledgement for sockets; nothing is written. A read that
lost its connection is tried once more and succeeds (exchange/transaction.py), and parallel
copies of one keyed write store it once (exchange/idempotency.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from exchange.chat import sockets as chat_sockets
from exchange.extensions import db
from tests import servers
from tests.chat.test_sockets import _emit

NEW_CONCEPT = {"title": "Winterplan", "summary": "Vor dem Frost", "body": "Heizung prüfen.",
               "topics": ["housing"]}


@contextmanager
def concepts_locked(app):
    """Another session holds the concepts table; this test's session waits 0.2 s at most."""
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as connection:
        connection.execute(text("LOCK TABLE concepts IN ACCESS EXCLUSIVE MODE"))
        db.session.execute(text("SET LOCAL lock_timeout = 200"))
        try:
            yield
        finally:
            connection.rollback()
    other.dispose()


def test_the_api_answers_503_json_with_retry_after(app, as_user):
    official = as_user("official")
    with concepts_locked(app):
        listed = official.get("/api/v1/concepts")
        created = official.post("/api/v1/concepts", json=NEW_CONCEPT)
    for answer in (listed, created):
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert answer.json["code"] == 503 and "try again" in answer.json["message"]
    assert official.get("/api/v1/concepts").json["items"] == []  # nothing was written


def test_a_page_answers_a_friendly_page_in_german_and_english(app, as_user):
    official = as_user("official")
    with concepts_locked(app):
        page = official.get("/concepts")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    html = page.get_data(as_text=True)
    assert '<html lang="de">' in html and "kurz nicht erreichbar" in html
    assert 'lang="en"' in html and "briefly unavailable" in html


def test_a_socket_send_is_always_acknowledged(app, as_user, make_user, make_room,
                                              socket_client, monkeypatch):
    alice = as_user("official")
    room = make_room(alice.user, make_user("official"))
    sock = socket_client(alice)

    def database_gone(*_args, **_kwargs):
        raise OperationalError("INSERT …", {}, Exception("server closed the connection"))

    monkeypatch.setattr(chat_sockets, "do_post_message", database_gone)
    ack = _emit(sock, "send", {"room_id": room.id, "body": "Hallo"})
    assert ack["code"] == 503 and ack["retry_after"] == 5 and ack["error"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(chat_sockets, "do_post_message", broken)
    ack = _emit(sock, "send", {"room_id": room.id, "body": "Hallo"})
    assert ack["code"] == 500 and ack["error"]
    assert alice.get(f"/api/v1/rooms/{room.id}/messages").json["items"] == []


def _cut_connections(database_url: str) -> int:
    """What a database restart does to a server's pooled connections."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        cut = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    return cut


def _seed_official(database_url: str) -> str:
    return servers.seed_member(database_url, "Landkreis Neustart", "district",
                               "neustart@example.org", "Nora Neustart", "official")


@pytest.mark.usefixtures("no_transaction")
def test_after_a_restart_reads_succeed_and_a_cut_write_is_503_and_not_saved(tmp_path):
    database_url = servers.fresh_database("_restart")
    servers.upgrade_database(database_url)
    token = _seed_official(database_url)
    env = servers.production_env(database_url, tmp_path / "instance", "restart")
    port = servers.free_port()
    log = tmp_path / "server.log"
    with ExitStack() as stack:
        servers.wait_until_serving(servers.start_server(stack, env, port, log), port, log)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        base = f"http://127.0.0.1:{port}/api/v1"
        assert api.get(f"{base}/concepts").status_code == 200

        assert _cut_connections(database_url) > 0
        assert api.get(f"{base}/concepts").status_code == 200  # tried again, not an error

        assert api.get(f"{base}/me").status_code == 200
        _cut_connections(database_url)
        cut = api.post(f"{base}/concepts", json=NEW_CONCEPT)
        assert cut.status_code == 503, cut.text
        assert cut.headers["Retry-After"] == "5" and cut.json()["code"] == 503
        saved = api.post(f"{base}/concepts", json=NEW_CONCEPT)  # the client tries again
        assert saved.status_code == 201, saved.text
        assert [c["title"] for c in api.get(f"{base}/concepts").json()["items"]] == [
            "Winterplan"]

        # Five copies of one keyed write at once (a client retrying impatiently): one
        # is stored, all five get its answer.
        keyed = {**NEW_CONCEPT, "title": "Sommerplan"}
        headers = {"Idempotency-Key": "sommerplan-1"}
        with ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(
                lambda _: api.post(f"{base}/concepts", json=keyed, headers=headers), range(5)))
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["id"] for a in answers}) == 1
        titles = [c["title"] for c in api.get(f"{base}/concepts").json()["items"]]
        assert sorted(titles) == ["Sommerplan", "Winterplan"]
