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

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, g
from sqlalchemy.exc import IntegrityError

from exchange.errors import conflict_from_integrity_error
from exchange.extensions import db


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


class UnitOfWorkFlask(Flask):
    """Flask whose every view is one unit of work: the answer is built, then committed.
    Committing inside ``dispatch_request`` (not in an after_request hook) lets an error at
    commit go through the app's error handlers like any error of the view."""

    def dispatch_request(self) -> Response:
        response = self.make_response(super().dispatch_request())
        finish(response)
        return response


def socket_unit_of_work(handler: Callable[..., Any]) -> Callable[..., Any]:
    """For Socket.IO event handlers: commit when the handler returns an answer without an
    ``error`` key (its acknowledgement), roll back when it returns an error or raises."""

    @wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = handler(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        if isinstance(answer, dict) and "error" in answer:
            db.session.rollback()
        else:
            db.session.commit()
        return answer

    return wrapper
