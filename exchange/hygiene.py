"""Input hygiene, in one place: text that PostgreSQL or the code after it cannot take is
refused with a 422 naming the field, before any service sees it.

- NUL bytes (PostgreSQL text cannot hold them: a DataError, i.e. a 500) and lone
  surrogates (not encodable as UTF-8) in any string: the keys and values of a JSON body, the
  query string, form fields and file names, and the fields of an imported CSV
  (``text_problem`` is what the registry import calls per field);
- JSON bodies nested deeper than MAX_JSON_DEPTH (no request of this API needs more than a
  few levels; deep nesting only costs recursion in every layer that walks it).

Request arguments reach the views through webargs (``@blp.arguments``): ``HygienicParser``
is flask-smorest's parser with these checks on every location it loads, so a
``ValidationError`` raised here becomes the usual 422 ``{"errors": {location: {field:
[message]}}}``. Cursors are checked against their type's range where they are decoded
(``exchange.pagination``).
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from exchange.i18n import N_

MAX_JSON_DEPTH = 32

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Marked for the catalogue; translated where the error is answered (errors.localise).
NUL_MESSAGE = N_("NUL characters are not allowed.")
SURROGATE_MESSAGE = N_("Not valid Unicode text.")
DEPTH_MESSAGE = N_("Nested too deeply.")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def _field_name(name: Any) -> str:
    """A field name that can itself be shown in the error (its bad characters escaped)."""
    text = str(name)
    return text if text_problem(text) is None else text.encode(
        "utf-8", "backslashreplace").decode("ascii", "backslashreplace")


def json_problems(value: Any, depth: int = 0) -> dict | list | None:
    """The problems of a JSON document by field, shaped like marshmallow's errors (a dict
    for an object, the message list for a bad value); None when it is clean."""
    if depth > MAX_JSON_DEPTH:
        return [DEPTH_MESSAGE]
    if isinstance(value, str):
        problem = text_problem(value)
        return [problem] if problem else None
    if isinstance(value, dict):
        errors: dict = {}
        for key, item in value.items():
            problem = text_problem(key) if isinstance(key, str) else None
            found = [problem] if problem else json_problems(item, depth + 1)
            if found:
                errors[_field_name(key)] = found
        return errors or None
    if isinstance(value, list):
        errors = {}
        for index, item in enumerate(value):
            found = json_problems(item, depth + 1)
            if found:
                errors[index] = found
        return errors or None
    return None


def _multidict_problems(values: Any) -> dict:
    errors: dict = {}
    values = getattr(values, "data", values)  # webargs' MultiDictProxy wraps the MultiDict
    items = values.items(multi=True) if isinstance(values, MultiDict) else values.items()
    for name, value in items:
        if not isinstance(value, str):  # a file: its name is text that gets stored
            value = getattr(value, "filename", None) or ""
        problem = text_problem(name) or text_problem(value)
        if problem:
            errors[_field_name(name)] = [problem]
    return errors


class HygienicParser(FlaskParser):
    """flask-smorest's webargs parser, refusing what ``text_problem`` and the depth limit
    refuse in every location it reads."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            data = super()._raw_load_json(req)  # the standard library's json: no depth limit
        except RecursionError as exc:
            raise ValidationError({"_schema": [DEPTH_MESSAGE]}) from exc
        problems = json_problems(data)
        if problems:
            raise ValidationError(problems if isinstance(problems, dict)
                                  else {"_schema": problems})
        return data

    def _checked(self, values: Any) -> Any:
        problems = _multidict_problems(values)
        if problems:
            raise ValidationError(problems)
        return values

    def load_querystring(self, req: Any, schema: Any) -> Any:
        return self._checked(super().load_querystring(req, schema))

    def load_form(self, req: Any, schema: Any) -> Any:
        return self._checked(super().load_form(req, schema))

    def load_files(self, req: Any, schema: Any) -> Any:
        return self._checked(super().load_files(req, schema))

    def load_headers(self, req: Any, schema: Any) -> Any:
        return self._checked(super().load_headers(req, schema))
