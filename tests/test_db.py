"""Rules every domain shares: races settled by constraints, bodies must be JSON, UTC
sessions, and pooled connections checked after idling."""

from __future__ import annotations

import inspect

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from werkzeug.routing import Rule

from exchange.db import ping_when_idle, read_only
from exchange.extensions import db
from exchange.profiles.models import Organization


def test_a_unique_violation_the_python_check_missed_is_a_409_naming_the_field(
    app, client, make_org
):
    make_org("district", ags="09162")
    # A route that inserts without checking first, as a second request racing the first
    # would. Added to the URL map directly: the app has served requests already.
    def race():
        db.session.add(Organization(name="Race", kind="district", ags="09162"))
        db.session.commit()
        return {}, 201

    if "race_probe" not in app.view_functions:
        app.view_functions["race_probe"] = race
        app.url_map.add(Rule("/api/v1/_test/race", endpoint="race_probe", methods=["POST"]))
    response = client.post("/api/v1/_test/race", json={})
    assert response.status_code == 409
    assert "ags" in response.get_json()["errors"]["json"]
    assert db.session.scalar(
        db.select(db.func.count()).select_from(Organization).where(Organization.ags == "09162")
    ) == 1


def test_a_form_body_to_a_json_call_is_415_and_changes_nothing(client, login, make_user):
    user = make_user()
    login(client, user)
    response = client.patch("/api/v1/me", data={"bio": "from a form"})
    assert response.status_code == 415
    assert client.get("/api/v1/me").get_json()["bio"] == ""


def test_every_connection_works_in_utc(app):
    """Times are stored and computed in UTC whatever the server's default zone."""
    assert db.session.scalar(text("SELECT current_setting('TimeZone')")) == "UTC"


def _engine(app, idle_seconds: float):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds)
    return engine


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def _terminate(app, pid: int) -> None:
    """Terminate a backend and wait until the server has let it go (polled, bounded)."""
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as connection:
        # pg_terminate_backend's timeout (ms): returns once the backend has exited.
        gone = connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    other.dispose()
    assert gone, f"backend {pid} did not exit"


@pytest.mark.usefixtures("no_transaction")
def test_a_pooled_connection_that_died_while_idle_is_replaced_not_handed_out(app):
    engine = _engine(app, idle_seconds=0)
    try:
        first = _backend_pid(engine)
        _terminate(app, first)  # a database restart, as the pool sees it
        second = _backend_pid(engine)  # pinged on checkout, found dead, replaced
        assert second != first
    finally:
        engine.dispose()


@pytest.mark.usefixtures("no_transaction")
def test_a_connection_in_steady_use_is_not_pinged(app):
    """The ping is skipped within the idle time: no extra round trip per request (so a
    connection killed in that window fails once, and the pool then starts afresh)."""
    engine = _engine(app, idle_seconds=3600)
    try:
        first = _backend_pid(engine)
        _terminate(app, first)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


@pytest.mark.usefixtures("no_transaction")
def test_a_read_only_endpoint_runs_without_a_transaction(app):
    """No BEGIN, no ROLLBACK: the statements of a read-only endpoint autocommit."""

    def status():
        db.session.execute(text("SELECT 1"))
        return db.session.connection().connection.dbapi_connection.info.transaction_status

    with app.test_request_context():
        assert read_only(status)() == TransactionStatus.IDLE
        db.session.remove()
        # Back in the pool, the connection is an ordinary one again: every pooled
        # connection, taken in turn, starts a transaction.
        for _ in range(db.engine.pool.checkedin() + 1):
            assert status() == TransactionStatus.INTRANS
            db.session.remove()


@pytest.mark.parametrize("endpoint", ["listings.search_listings", "listings.listing_clusters"])
def test_the_map_reads_without_a_transaction(app, endpoint):
    view = inspect.unwrap(app.view_functions[endpoint],
                          stop=lambda function: getattr(function, "read_only", False))
    assert getattr(view, "read_only", False)
