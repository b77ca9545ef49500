"""Errors raised by services and turned into JSON answers by create_app.

Services never touch HTTP; they raise these and the API layer answers with the status.
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str = "", errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(ServiceError):
    """Missing, or outside the caller's reach (the two are never told apart)."""

    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Unauthorized(ServiceError):
    status = 401

    def __init__(self, message: str = "Not logged in.") -> None:
        super().__init__(message)


class Conflict(ServiceError):
    status = 409


class TooManyRequests(ServiceError):
    status = 429


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
    message = "This already exists." if field is None else f"This {field} is taken already."
    return Conflict(message, {"json": {field: [message]}} if field else None)
