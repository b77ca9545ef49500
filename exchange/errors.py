"""Errors raised by services and turned into JSON answers by create_app.

Services never touch HTTP; they raise these and the API layer answers with the status.

Messages are written in English, the source language of the catalogue. Services do not know
the reader, so they do not translate: ``message`` and ``errors`` give the text in the
language of the current request (the catalogue looked up at that moment), and the English
source outside a request (CLI, tests of services, logs via ``str(error)``). The literal
messages passed to these classes are extracted into the catalogue by
``exchange.i18n.extract_python`` (see babel.cfg); a message with variable parts is a
``Text("... %(name)s ...", name=value)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, has_request_context

from exchange.extensions import db
from exchange.i18n import library_template


class Text(str):
    """An English message with ``%(name)s`` placeholders filled in. It is the English text
    wherever a str is used, and remembers its template and values so that ``localise``
    can show it in the reader's language. A value may be a Text itself; a float is shown
    with the reader's decimal separator (write ``%(name)s`` for it)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Text:
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


def localise(value: Any) -> Any:
    """A message (or a dict/list of them, e.g. errors per field) in the language of the
    current request; unchanged outside a request or when the catalogue lacks it."""
    if not has_request_context():
        return value
    from flask_babel import gettext

    if isinstance(value, Text):  # a value that is a Text (a status word) is translated too;
        # other values (names, titles someone typed) are shown as they are
        params = {name: _value(item) for name, item in value.params.items()}
        return gettext(value.template, **params) if params else gettext(value.template)
    if isinstance(value, str):
        if not value:
            return value
        translated = gettext(value)
        if translated == value:  # not in the catalogue as it is: a library's message with values?
            found = library_template(value)
            if found:
                return gettext(found[0], **found[1])
        return translated
    if isinstance(value, dict):
        return {key: localise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [localise(item) for item in value]
    return value


def _value(item: Any) -> Any:
    if isinstance(item, Text):
        return localise(item)
    if isinstance(item, float):
        from flask_babel import format_decimal

        return format_decimal(item)
    return item


class ServiceError(Exception):
    """A rule of a service says no: answered with ``status``, the message (the class's
    ``default_message`` where none is given) and the messages per field, if any."""

    status = 400
    default_message = ""

    def __init__(self, message: str | None = None, errors: dict | None = None) -> None:
        message = self.default_message if message is None else message
        super().__init__(message)
        self.source_message = message
        self.source_errors = errors

    @property
    def message(self) -> str:
        """The message in the reader's language (English outside a request)."""
        return localise(self.source_message)

    @message.setter
    def message(self, value: str) -> None:
        self.source_message = value

    @property
    def errors(self) -> dict | None:
        """The messages per field in the reader's language (English outside a request)."""
        return localise(self.source_errors)

    @errors.setter
    def errors(self, value: dict | None) -> None:
        self.source_errors = value


class NotFound(ServiceError):
    """Missing, or outside the caller's reach (the two are never told apart)."""

    status = 404
    default_message = "Not found."


class Forbidden(ServiceError):
    status = 403
    default_message = "You are not allowed to do this."


class Unauthorized(ServiceError):
    status = 401
    default_message = "Not logged in."


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str | None = None, errors: dict | None = None, *,
                 field: str | None = None) -> None:
        """``field``: the body's field the conflict is over; the message stands under its
        name too (as a schema names a bad field)."""
        if field is not None:
            errors = {"json": {field: [message]}}
        super().__init__(message, errors)


class TooManyRequests(ServiceError):
    """429; ``retry_after`` (seconds) becomes the Retry-After header."""

    status = 429

    def __init__(self, message: str = "", errors: dict | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message, errors)
        self.retry_after = retry_after


class InvalidInput(ServiceError):
    """Bad input caught by a rule in a service: a message per field, like schema errors."""

    status = 422

    def __init__(self, errors: dict[str, str | list[str]], message: str = "Invalid input.") -> None:
        normalised = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        super().__init__(message, {"json": normalised})


class PayloadTooLarge(ServiceError):
    """An upload over its size limit (413), with a message on the field that was too big."""

    status = 413

    def __init__(self, message: str, field: str = "file", location: str = "files") -> None:
        super().__init__(message, {location: {field: [message]}})


class UnsupportedMediaType(ServiceError):
    """An upload whose content is not of an allowed type (415), naming the field."""

    status = 415

    def __init__(self, message: str, field: str = "file", location: str = "files") -> None:
        super().__init__(message, {location: {field: [message]}})


class InvalidUpload(ServiceError):
    """An upload that is empty or missing (422), with the message on its field."""

    status = 422

    def __init__(self, message: str, field: str = "file", location: str = "files") -> None:
        super().__init__(message, {location: {field: [message]}})


# Unique indexes whose name does not end in the field it guards.
_CONSTRAINT_FIELDS = {"uq_users_email_lower": "email", "uq_memberships_user_org": "user_id"}


def conflict_from_integrity_error(error: Exception) -> Conflict | None:
    """A unique or exclusion violation is a race the Python checks could not see: the
    database settled it, and the caller gets a 409 naming the field. None for other errors.
    """
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == "23P01":
        return Conflict("This conflicts with the current state; reload and try again.")
    if sqlstate != "23505":
        return None
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None) or ""
    table_prefix = f"uq_{getattr(orig.diag, 'table_name', '')}_"
    field = _CONSTRAINT_FIELDS.get(constraint) or (
        constraint[len(table_prefix):] if constraint.startswith(table_prefix) else None
    )
    message = (Text("This already exists.") if field is None
               else Text("This %(field)s is taken already.", field=field))
    return Conflict(message, field=field)


def flash_errors(error: ServiceError) -> None:
    """Show a service error on the next HTML page: one flash per field message, else its
    message (what the API answers as JSON)."""
    messages = [m for ms in (error.errors or {}).get("json", {}).values() for m in ms]
    for message in messages or [error.message]:
        flash(message, "error")


_Result = TypeVar("_Result")


def form_action(call: Callable[[], _Result], done: str) -> _Result | None:
    """Run what a page's form asks for: refused, the request's writes are rolled back and
    the refusal is flashed (an object out of reach stays 404); done, ``done`` is flashed.
    Returns what ``call`` returned, or None when refused."""
    try:
        result = call()
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_errors(error)
        return None
    flash(done, "info")
    return result
