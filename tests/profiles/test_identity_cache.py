"""The request's user is reused between requests, and never once anything about it changed."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import event, text, update

from exchange.extensions import db
from exchange.profiles import identity_cache
from exchange.profiles.identity_cache import IdentityCache, RedisGeneration
from exchange.profiles.models import Membership, Organization
from tests.conftest import own_app_context

# The statements that read a request's user: the token lookup or the session's user.
USER_READ = re.compile(r"FROM users\b", re.IGNORECASE)
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/9")


@contextmanager
def statements():
    """The SQL sent meanwhile."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def user_reads(sent: list[str]) -> int:
    return sum(1 for statement in sent if USER_READ.search(statement))


@pytest.fixture
def official(make_org, make_user):
    district = make_org("district")
    return make_user(role="official", org=district), district


def test_a_token_is_checked_against_the_database_once_then_reused(app, official, bearer):
    user, _district = official
    user_id, headers = user.id, bearer(user)
    client = app.test_client()
    with statements() as first:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    with statements() as second:
        assert client.get("/api/v1/me", headers=headers).get_json()["id"] == user_id
    assert user_reads(first) >= 1
    assert user_reads(second) == 0


def test_a_cookie_session_is_reused_too(app, official, login):
    user, _district = official
    user_id = user.id
    browser = login(app.test_client(), user)
    browser.get("/api/v1/me")
    with statements() as sent:
        assert browser.get("/api/v1/me").get_json()["id"] == user_id
    assert not any("login_sessions" in statement for statement in sent)
    assert user_reads(sent) == 0


def test_a_revoked_token_stops_at_once_although_it_was_cached(app, official, login):
    user, _district = official
    browser = login(app.test_client(), user)
    created = browser.post("/api/v1/auth/tokens", json={"name": "GIS"}).get_json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    gis = app.test_client()
    assert gis.get("/api/v1/me", headers=headers).status_code == 200
    assert gis.get("/api/v1/me", headers=headers).status_code == 200  # from the cache
    assert browser.delete(f"/api/v1/auth/tokens/{created['id']}").status_code == 204
    assert gis.get("/api/v1/me", headers=headers).status_code == 401


def test_a_logout_elsewhere_ends_a_cached_session_at_once(app, official, login):
    user, _district = official
    browser = login(app.test_client(), user)
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.post("/api/v1/auth/logout").status_code in (200, 204)
    assert browser.get("/api/v1/me").status_code == 401


def test_a_role_change_counts_from_the_next_request(app, make_user, official, login, bearer):
    user, district = official
    url = f"/api/v1/organizations/{district.id}/members/{user.id}"
    admin = login(app.test_client(), make_user(role="admin", org=district))
    headers = bearer(user)
    gis = app.test_client()
    me = gis.get("/api/v1/me", headers=headers).get_json()
    assert me["memberships"][0]["role"] == "official"
    assert gis.get("/api/v1/me", headers=headers).status_code == 200  # from the cache
    # A caseworker sees persons, so needs a second factor, which this token's user has
    # not set up: the token stops working with the role change, not a minute later.
    assert admin.patch(url, json={"role": "caseworker"}).status_code == 200
    assert gis.get("/api/v1/me", headers=headers).status_code == 401


def test_changes_by_statement_and_by_sql_text_count_as_well(app, official, bearer):
    """Not only ORM flushes: bulk UPDATEs and plain SQL on the auth tables move the
    generation too, so no service has to remember to."""
    user, district = official
    user_id, headers = user.id, bearer(user)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.execute(update(Organization).where(Organization.id == district.id)
                       .values(name="Landkreis Neu"))
    db.session.commit()
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["memberships"][0]["organization_name"] == "Landkreis Neu"
    db.session.execute(text("UPDATE users SET disabled = true WHERE id = :id"), {"id": user_id})
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_rolled_back_change_keeps_the_cache(app, official, bearer):
    user, _district = official
    user_id, headers = user.id, bearer(user)
    db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    generation = identity_cache.cache().generation.current()
    db.session.execute(update(Membership).where(Membership.user_id == user_id)
                       .values(role="caseworker"))
    db.session.rollback()
    assert identity_cache.cache().generation.current() == generation
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_entries_last_no_longer_than_configured(app, official, bearer, monkeypatch):
    user, _district = official
    headers = bearer(user)
    client = app.test_client()
    monkeypatch.setattr(identity_cache.cache(), "seconds", 0)
    client.get("/api/v1/me", headers=headers)
    with statements() as sent:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert user_reads(sent) >= 1


def test_with_redis_a_change_committed_by_another_process_counts_here(
    app, official, bearer, monkeypatch
):
    """The generation lives in Redis: another process's bump (after its commit) makes this
    process read the user again."""
    redis.Redis.from_url(REDIS_URL).delete("exchange:auth-epoch", "exchange:auth-generation")
    here = IdentityCache(RedisGeneration(REDIS_URL), 60)
    monkeypatch.setitem(app.extensions, "exchange_identity_cache", here)
    user, _district = official
    headers = bearer(user)
    client = app.test_client()
    client.get("/api/v1/me", headers=headers)
    with statements() as cached:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert user_reads(cached) == 0

    other_process = RedisGeneration(REDIS_URL)
    assert other_process.bump()
    with statements() as again:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert user_reads(again) >= 1


def test_with_redis_unreachable_nothing_is_cached(app, official, bearer, monkeypatch):
    unreachable = IdentityCache(RedisGeneration("redis://127.0.0.1:1/0"), 60)
    monkeypatch.setitem(app.extensions, "exchange_identity_cache", unreachable)
    user, _district = official
    headers = bearer(user)
    client = app.test_client()
    for _ in range(2):
        with statements() as sent:
            assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert user_reads(sent) >= 1


def test_a_token_socket_is_checked_from_the_cache_and_stops_when_revoked(
    app, official, login, socket_client
):
    """Socket events re-check their token through the same cache: no statement per event
    while nothing changed, and a revoked token disconnects at its next event."""
    user, _district = official
    browser = login(app.test_client(), user)
    created = browser.post("/api/v1/auth/tokens", json={"name": "chat"}).get_json()
    sock = socket_client(auth={"token": created["token"]})
    assert sock.is_connected()
    with statements() as sent, own_app_context():
        sock.emit("typing", {"room_id": 1})
    assert user_reads(sent) == 0
    assert browser.delete(f"/api/v1/auth/tokens/{created['id']}").status_code == 204
    with own_app_context():
        sock.emit("typing", {"room_id": 1})
    assert not sock.is_connected()
