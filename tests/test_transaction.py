"""One commit per request, at one place, and ``on_commit`` as the one after-commit queue."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from werkzeug.routing import Rule

from exchange.db import on_commit
from exchange.extensions import db
from exchange.profiles.models import Organization
from exchange.transaction import keep_despite_error

ROOT = Path(__file__).resolve().parents[1] / "exchange"


def _route(app, name: str, view, methods=("POST",)) -> str:
    """A probe route added to the URL map (the app may have served requests already)."""
    url = f"/api/v1/_test/{name}"
    if name not in app.view_functions:
        app.view_functions[name] = view
        app.url_map.add(Rule(url, endpoint=name, methods=list(methods)))
    return url


def _count(name: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.name == name)
    )


@pytest.mark.parametrize(("endpoint", "name", "status", "committed"), [
    ("uow_ok", "Unit A", 201, True),
    ("uow_refused", "Unit B", 422, False),
], ids=["success-commits-without-the-view-committing", "error-writes-and-sends-nothing"])
def test_the_answer_decides_whether_what_the_view_wrote_is_committed_and_sent(
    app, client, endpoint, name, status, committed
):
    heard = []

    def write():
        db.session.add(Organization(name=name, kind="municipality"))
        db.session.flush()
        on_commit(lambda: heard.append("committed"))
        return ({"message": "no"} if status >= 400 else {}), status

    assert client.post(_route(app, endpoint, write), json={}).status_code == status
    assert _count(name) == (1 if committed else 0)
    assert heard == (["committed"] if committed else [])


def test_a_record_of_the_failure_is_kept_when_the_view_asks(app, client):
    def log_refusal():
        db.session.add(Organization(name="Unit C", kind="municipality"))
        keep_despite_error()
        return {"message": "refused, and the refusal is on record"}, 422

    assert client.post(_route(app, "uow_kept", log_refusal), json={}).status_code == 422
    assert _count("Unit C") == 1


def test_a_conflict_found_at_commit_is_a_409_naming_the_field(app, client, make_org):
    make_org("district", ags="09163")

    def unflushed_duplicate():
        # Not flushed: the unique constraint answers only when the request commits.
        db.session.add(Organization(name="Twice", kind="district", ags="09163"))
        return {}, 201

    response = client.post(_route(app, "uow_conflict", unflushed_duplicate), json={})
    assert response.status_code == 409
    assert "ags" in response.get_json()["errors"]["json"]


def test_on_commit_runs_in_order_after_commit_and_never_after_rollback(app):
    heard = []
    on_commit(lambda: heard.append(1))
    on_commit(lambda: heard.append(2))
    assert heard == []
    db.session.commit()
    assert heard == [1, 2]
    on_commit(lambda: heard.append(3))
    db.session.rollback()
    db.session.commit()
    assert heard == [1, 2]


def test_a_rolled_back_savepoint_keeps_what_the_transaction_queued_before(app):
    heard = []
    on_commit(lambda: heard.append("outer"))
    with db.session.begin_nested() as savepoint:
        savepoint.rollback()
    db.session.commit()
    assert heard == ["outer"]


def test_a_failing_after_commit_step_does_not_stop_the_others(app):
    heard = []

    def broken() -> None:
        raise RuntimeError("socket server gone")

    on_commit(broken)
    on_commit(lambda: heard.append("still sent"))
    db.session.commit()
    assert heard == ["still sent"]


# Commands (the CLI) run outside requests and commit their own work; the login throttle
# commits the counted attempt at once, before the slow password check, so that the row
# locks are let go and a failed sign-in still counts.
ALLOWED_COMMITS = {"transaction.py", "cli.py", "capacity/cli.py", "listings/cli.py",
                   "places/cli.py",
                   "profiles/throttle.py"}


def test_no_request_handler_or_service_commits():
    committing = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and "session" in ast.unparse(node.func.value)  # not the file storage's
            ):
                committing.add(str(path.relative_to(ROOT)))
    assert committing <= ALLOWED_COMMITS, committing - ALLOWED_COMMITS


def test_a_deadlock_victim_runs_again_and_only_its_last_attempt_is_stored(app, client):
    attempts: list[int] = []
    heard: list[int] = []

    def deadlocked_once():
        attempts.append(len(attempts))
        name = f"Attempt {len(attempts)}"
        db.session.add(Organization(name=name, kind="municipality"))
        db.session.flush()
        on_commit(lambda: heard.append(len(attempts)))
        if len(attempts) == 1:  # PostgreSQL itself names this transaction a deadlock's victim
            db.session.execute(text(
                "DO $$ BEGIN RAISE EXCEPTION 'victim' USING ERRCODE = 'deadlock_detected'; END $$"))
        return {}, 201

    assert client.post(_route(app, "uow_deadlock", deadlocked_once), json={}).status_code == 201
    assert len(attempts) == 2 and heard == [2]
    assert _count("Attempt 1") == 0 and _count("Attempt 2") == 1


def test_a_request_that_keeps_losing_races_answers_503_and_stores_nothing(app, client):
    attempts: list[int] = []

    def always_deadlocked():
        attempts.append(1)
        db.session.add(Organization(name="Never", kind="municipality"))
        db.session.execute(text(
            "DO $$ BEGIN RAISE EXCEPTION 'victim' USING ERRCODE = 'deadlock_detected'; END $$"))
        return {}, 201

    response = client.post(_route(app, "uow_always_deadlocked", always_deadlocked), json={})
    assert response.status_code == 503 and response.headers.get("Retry-After")
    assert len(attempts) == 4 and _count("Never") == 0
