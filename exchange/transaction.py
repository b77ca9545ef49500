"""One commit per request, at one place.

Request handlers and services never commit: services flush (so constraints answer inside
the service, where a conflict can be named), and the request's unit of work is committed
here (``UnitOfWorkFlask``), after the view has built its answer and before the answer
leaves (Indico's request handler does the same). A successful answer (< 400) commits; any
other rolls back, so a failed request writes nothing. What must be done only once the
change is stored (socket events, e-mails) waits in ``exchange.db.on_commit`` and runs right
after this commit.

A conflict that only the commit finds (a unique or exclusion constraint checked at commit)
turns the answer into the same 409 a service would have given. Socket.IO events are
requests of their own: ``socket_unit_of_work`` gives their handlers the same rule.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.exc import DBAPIError, IntegrityError

from exchange import idempotency, realtime, replicas, unavailable
from exchange.db import take_on_commit
from exchange.errors import conflict_from_integrity_error
from exchange.extensions import db

log = logging.getLogger(__name__)
FAILED = "Something went wrong; nothing was saved."
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def keep_despite_error() -> None:
    """Commit this request's work even though its answer is an error: for a record of the
    failure itself (a rejected import's log, which says what was refused and why)."""
    g.exchange_keep_despite_error = True


def finish(response: Response) -> None:
    """Commit the request's work if the answer is a success, else roll it back. A conflict
    found at commit raises the 409 ServiceError a service would have raised."""
    if response.status_code >= 400 and not g.get("exchange_keep_despite_error"):
        db.session.rollback()
        return
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        conflict = conflict_from_integrity_error(error)
        if conflict is None:
            raise
        raise conflict from error
    replicas.after_commit_of_request(response.status_code)


class UnitOfWorkFlask(Flask):
    """Flask whose every view is one unit of work: the answer is built, then committed.
    Committing inside ``dispatch_request`` (not in an after_request hook) lets an error at
    commit go through the app's error handlers like any error of the view."""

    def preprocess_request(self) -> Any:
        return _retrying_reads(super().preprocess_request)

    def dispatch_request(self) -> Response:
        def build_and_commit() -> Response:
            keyed = idempotency.requested()
            if keyed is not None and (stored := idempotency.replay(keyed)) is not None:
                finish(stored)  # nothing new was written; ends the key's lock
                return stored
            response = self.make_response(super(UnitOfWorkFlask, self).dispatch_request())
            if keyed is not None:
                idempotency.remember(keyed, response)
            finish(response)
            return response

        return _retrying_reads(build_and_commit)


# deadlock_detected, serialization_failure: PostgreSQL rolled the whole transaction back.
LOST_RACE_SQLSTATES = ("40P01", "40001")
RACE_RETRIES = 3


def _retrying_reads(step: Callable[[], Any]) -> Any:
    """Run a step of a request, again where that is safe:

    - a read (GET/HEAD/OPTIONS) that lost its connection (a restarted or failed-over
      database) runs once more after a short random pause, on a fresh connection: the pool
      dropped every connection older than the failure, and the pause keeps the processes
      from all reconnecting at the same instant. A write that lost its connection is not
      repeated (it may have been committed): it answers 503 and the client decides;
    - any request the database chose as a deadlock's victim (or a serialisation failure)
      runs again, up to RACE_RETRIES times after a short random pause: its transaction was
      rolled back whole, so nothing of it was stored or sent (``on_commit`` forgets it),
      and counters shared by many rows (listing_filter_cells) make such races a matter of
      load rather than of a bug."""
    attempt = 0
    while True:
        try:
            return step()
        except DBAPIError as error:
            lost_race = getattr(error.orig, "sqlstate", None) in LOST_RACE_SQLSTATES
            lost_read = error.connection_invalidated and request.method in SAFE_METHODS
            if attempt >= (RACE_RETRIES if lost_race else 1) or not (lost_race or lost_read):
                raise
            attempt += 1
            log.info("%s during %s %s; trying again", "Lost a race" if lost_race
                     else "Connection lost", request.method, request.path)
            db.session.rollback()
            for upload in request.files.values():  # read again from the start
                upload.stream.seek(0)
            time.sleep(random.uniform(0.01, 0.05) if lost_race else random.uniform(0.05, 0.25))


def socket_unit_of_work(handler: Callable[..., Any]) -> Callable[..., Any]:
    """For Socket.IO event handlers: commit when the handler returns an answer without an
    ``error`` key (its acknowledgement), roll back when it returns an error or raises.
    The client is always answered: an unavailable database or Redis (also at commit)
    becomes a 503 acknowledgement, any other failure a 500 one (and is logged), so a
    sender never waits for an acknowledgement that cannot come."""

    @wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = handler(*args, **kwargs)
            if isinstance(answer, dict) and "error" in answer:
                db.session.rollback()
            else:  # the sender hears the answer before the room hears the broadcast
                after_commit = take_on_commit(db.session)
                db.session.commit()
                if after_commit is not None:
                    realtime.run_after_answer(after_commit)
            return answer
        except unavailable.UNAVAILABLE as error:
            return unavailable.socket_answer(error)
        except Exception:
            log.exception("Socket event %s failed", handler.__name__)
            db.session.rollback()
            return {"error": FAILED, "code": 500}

    return wrapper
