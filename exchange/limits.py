"""Request body limits: checked after it is known who asks, before any body is read.

Who may send how much:
- the anonymous (not signed in): ANONYMOUS_MAX_CONTENT_LENGTH, enough for a sign-in or a
  registration; a longer API body is answered 401 unread;
- signed-in users: MAX_CONTENT_LENGTH, lowered or raised per endpoint by the domain that
  knows the endpoint, after its own authorisation check: documents (DOCUMENT_MAX_BYTES)
  and the registry import (REGISTRY_IMPORT_MAX_BYTES, caseworkers only), each refusing an
  oversized body with 413 from its Content-Length.

All of them are URL value preprocessors: Flask runs these before every before_request
hook (the CSRF check reads forms) and before a view parses its arguments (flask-smorest's
parsing runs before ``login_required``), the application's before those of blueprints.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from exchange.errors import Unauthorized


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(limit_anonymous_bodies)


def limit_anonymous_bodies(endpoint: str | None, values: dict | None) -> None:
    """Keep the bodies of requests nobody signed in for small: an API call over the limit
    is 401 from its Content-Length (a page's form over it gets 413 when read)."""
    if not request.content_length and "Transfer-Encoding" not in request.headers:
        return  # no body: no need to know who asks (static files, pages)
    if current_user.is_authenticated:
        return
    limit = current_app.config["ANONYMOUS_MAX_CONTENT_LENGTH"]
    request.max_content_length = limit
    if request.path.startswith("/api/") and (request.content_length or 0) > limit:
        raise Unauthorized()
