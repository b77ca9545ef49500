"""Keyset pagination shared by every list call: {"items": [...], "next_cursor": ...}."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select

from exchange.db import MAX_ID
from exchange.errors import InvalidInput
from exchange.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class ListArgs(Schema):
    """`limit` and `cursor` of every list call."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None)


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list):
            raise ValueError
        return values
    except (ValueError, TypeError) as exc:
        raise _bad_cursor() from exc


# An offset cursor (full-text search pages) stays within PostgreSQL's bigint OFFSET.
MAX_OFFSET = 2**63 - 1 - MAX_LIMIT


def is_id(value: Any) -> bool:
    """An id as a cursor holds it: an int (a bool is an int in Python, not in SQL) within
    the range of the id columns, so a forged cursor is a 422, never a database error."""
    return type(value) is int and 0 <= value <= MAX_ID


def id_cursor(cursor: str) -> int:
    """The one id of a keyset cursor (after or before it), or 422 naming `cursor`."""
    values = decode_cursor(cursor)
    if len(values) != 1 or not is_id(values[0]):
        raise _bad_cursor()
    return values[0]


def offset_cursor(cursor: str) -> int:
    """The offset of a ranked page's cursor, within bigint, or 422 naming `cursor`."""
    values = decode_cursor(cursor)
    if len(values) != 1 or type(values[0]) is not int or not 0 <= values[0] <= MAX_OFFSET:
        raise _bad_cursor()
    return values[0]


def _bad_cursor() -> InvalidInput:
    error = InvalidInput({"cursor": "Not a valid cursor."})
    # The cursor is a query parameter: name it where webargs names `limit`.
    error.errors = {"query": error.errors["json"]}
    return error


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def page_by_id(stmt: Select, id_column, limit: int, cursor: str | None,
               newest_first: bool = False) -> Page:
    """One page of ``stmt`` in ascending id order (descending: ``newest_first``), after
    the cursor's id."""
    if cursor:
        after = id_cursor(cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(db.session.scalars(stmt.order_by(order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor([rows[-1].id]) if more and rows else None)


class PageSchema(Schema):
    next_cursor = fields.String(allow_none=True)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list answer schema: items of ``item_schema`` and the next cursor."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})


def list_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list answer schema without pages: all the items of ``item_schema`` at once."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item_schema))})


def validation_error(exc: ValidationError) -> InvalidInput:
    return InvalidInput(exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages})
