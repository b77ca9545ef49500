"""The gate in front of Socket.IO: a new Engine.IO connection must show who it is.

In the threaded server every open WebSocket holds a thread for as long as it is open, from
its handshake on. Socket.IO checks the user only in its CONNECT packet, after the
handshake, so anyone could open raw Engine.IO WebSockets without signing in and hold every
thread of a process. This WSGI middleware refuses a new Engine.IO connection (a request to
the Socket.IO path without a ``sid``) with 401 unless it carries a session cookie signed
with this app's key that belongs to a sign-in, or a valid API token (``Authorization:
Bearer …`` or a ``token`` query parameter). The refusal is answered before Engine.IO sees
the request, so it holds nothing; the CONNECT check (exchange.realtime) still decides
whether a signed-in user's socket is accepted (an ended session is refused there).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from flask import Flask
from itsdangerous import BadSignature

from exchange.realtime import token_user

REFUSAL = json.dumps({"code": 401, "status": "Unauthorized",
                      "message": "Sign in before opening a live connection."}).encode()


class SocketGate:
    """WSGI middleware: see the module docstring."""

    def __init__(self, wsgi_app: Callable, app: Flask, path: str = "/socket.io") -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.path = path

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.path):
            query = parse_qs(environ.get("QUERY_STRING", ""))
            if "sid" not in query and not self._signed_in(environ, query):
                start_response("401 UNAUTHORIZED", [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(REFUSAL))),
                    ("Cache-Control", "no-store")])
                return [REFUSAL]
        return self.wsgi_app(environ, start_response)

    def _signed_in(self, environ: dict, query: dict[str, list[str]]) -> bool:
        with self.app.app_context():  # the cookie's JSON and the token lookup need it
            return self._session(environ) or self._token(environ, query)

    def _session(self, environ: dict) -> bool:
        cookies = SimpleCookie()
        try:
            cookies.load(environ.get("HTTP_COOKIE", ""))
        except Exception:  # an unreadable cookie header is no sign-in
            return False
        morsel = cookies.get(self.app.config.get("SESSION_COOKIE_NAME", "session"))
        if morsel is None:
            return False
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        if serializer is None:
            return False
        try:
            data: Any = serializer.loads(
                morsel.value,
                max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return False
        return isinstance(data, dict) and bool(data.get("login_session"))

    def _token(self, environ: dict, query: dict[str, list[str]]) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or (query.get("token") or [None])[0]
        return bool(token) and token_user(token) is not None


def init_app(app: Flask) -> None:
    """Put the gate in front of the app (after Socket.IO wrapped it)."""
    app.wsgi_app = SocketGate(app.wsgi_app, app)  # type: ignore[method-assign]
