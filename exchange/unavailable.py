"""When the database or Redis cannot answer: 503 with Retry-After, never a bare 500.

A lost connection, a restarting or paused server, a statement or lock timeout and an
exhausted pool are not bugs of the request: the client should try again shortly. The API
answers JSON 503 with ``Retry-After``; pages get a short page in German and English;
Socket.IO events get an ``{"error": …, "code": 503}`` acknowledgement. Everything here is
built from constants: the answer about an unreachable database must not ask the database
(no user, no locale from the user's profile) or Redis.
"""

from __future__ import annotations

import json
import logging

import redis
from flask import Flask, Response, request
from sqlalchemy import exc as sa_exc

from exchange.extensions import db

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again (a restart takes a few).
RETRY_AFTER = 5

UNAVAILABLE = (
    sa_exc.OperationalError,  # refused, closed, admin shutdown, statement/lock timeout
    sa_exc.InterfaceError,  # the connection was already closed
    sa_exc.TimeoutError,  # no pooled connection free in time
    redis.ConnectionError,
    redis.TimeoutError,
)

MESSAGE = "The service is briefly unavailable. Please try again in a moment."

_PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kurz nicht erreichbar – Exchange</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;
line-height:1.5;color:#1b1b1b}h1{font-size:1.5rem}a{color:#0b4ea2}</style></head>
<body><main>
<h1>Exchange ist kurz nicht erreichbar</h1>
<p>Bitte versuchen Sie es in einigen Sekunden erneut. Ihre gespeicherten Daten sind sicher.</p>
<p><a href="">Seite neu laden</a></p>
<section lang="en"><h2>Exchange is briefly unavailable</h2>
<p>Please try again in a few seconds. What you saved is safe.</p>
<p><a href="">Reload the page</a></p></section>
</main></body></html>
"""


def _forget_session() -> None:
    """Give the failed connection back (it is discarded, not reused)."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone already: nothing to undo
        log.debug("rollback after an unavailable database failed", exc_info=True)


def answer(error: Exception) -> Response:
    """The 503 for an HTTP request that met an unavailable database or Redis."""
    log.warning("Unavailable while answering %s %s: %s", request.method, request.path,
                type(error).__name__)
    _forget_session()
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if request.path.startswith("/api/"):
        body = json.dumps({"code": 503, "status": "Service Unavailable", "message": MESSAGE})
        return Response(body, status=503, mimetype="application/json", headers=headers)
    return Response(_PAGE, status=503, mimetype="text/html", headers=headers)


def socket_answer(error: Exception) -> dict:
    """The acknowledgement of a Socket.IO event that met an unavailable database or Redis."""
    log.warning("Unavailable while answering a socket event: %s", type(error).__name__)
    _forget_session()
    return {"error": MESSAGE, "code": 503, "retry_after": RETRY_AFTER}


def init_app(app: Flask) -> None:
    """Answer every unavailability error with 503 (see module docs)."""
    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, answer)
