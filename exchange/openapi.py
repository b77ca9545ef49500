"""The OpenAPI document's rules, in one place: what every operation carries without each
route repeating it.

flask-smorest builds the document from the routes' decorators; this module adds, through
apispec's own hooks (an attribute function of the marshmallow converter and a plugin's
``operation_helper``), what follows from the way the API works for every call:

- an ``operationId`` (the view function's name);
- ``security: []`` stays where a route declares it (``endpoint(public=True)`` or
  ``@blp.doc(security=[])``: the calls that sign in), every other call answers 401
  without a session or token and 403 when the signed-in user may not do it;
- the ``X-CSRFToken`` header on state-changing calls made with the session cookie, and
  the optional ``Idempotency-Key`` header (exchange/idempotency.py) on signed-in writes;
- 400 (unreadable JSON, missing CSRF token), 404 (an id in the path outside one's reach),
  409 (a write that meets another), 413/415 (body too large or not JSON) and 422 (bad
  input or key) where the call can answer them, and 503 with ``Retry-After``
  (exchange/unavailable.py) on every call;
- numbers as numbers: the bounds of Decimal fields are written as JSON numbers (the app's
  JSON provider writes a Decimal as a string, which is right for money in answers but not
  for the document), and a Decimal field dumped ``as_string`` is described as the string
  it is.

tests/test_openapi.py checks these rules over the whole document, so a new route that
misses one fails there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from apispec import BasePlugin
from flask_login import login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

WRITE_METHODS = {"post", "put", "patch", "delete"}
BODY_METHODS = {"post", "put", "patch"}
OPERATION_METHODS = {"get", "put", "post", "patch", "delete"}

CSRF_HEADER = {
    "in": "header",
    "name": "X-CSRFToken",
    "required": False,
    "schema": {"type": "string"},
    "description": "With the session cookie: the `csrf_token` of the sign-in answer "
    "(a missing or wrong one is 400). Not needed with `Authorization: Bearer`.",
}

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,200}$"},
    "description": "Your own key for this write (e.g. a UUID). Sent again with the same "
    "request, it answers the first successful answer again (`Idempotent-Replayed: true`) "
    "and stores nothing twice; with another request it is 422. Kept 24 hours per user.",
}

# Status → the component response flask-smorest registers for it (Error schema).
_ERROR_RESPONSES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    503: "SERVICE_UNAVAILABLE",
}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def decimal_properties(_converter: Any, field: fields.Field, ret: dict[str, Any],
                       **_kwargs: Any) -> dict:
    """Marshmallow converter attribute function (bound to the converter): Decimal bounds
    and defaults as JSON numbers; a Decimal dumped as a string described as one."""
    update: dict[str, Any] = {
        key: _number(value) for key, value in ret.items() if isinstance(value, Decimal)
    }
    if isinstance(field, fields.Decimal) and field.as_string:
        update["type"] = "string"
        update["format"] = "decimal"
        update["pattern"] = r"^-?\d+(\.\d+)?$"
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            ret.pop(bound, None)
            update.pop(bound, None)
    return update


class ContractPlugin(BasePlugin):
    """Completes each operation as flask-smorest registers it (see the module docstring)."""

    def __init__(self) -> None:
        self.operation_ids: set[str] = set()

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        blueprint, _, view = (rule.endpoint if rule is not None else "").rpartition(".")
        path_parameters = bool(rule is not None and rule.arguments)
        for method, operation in (operations or {}).items():
            if method not in OPERATION_METHODS:
                continue
            operation_id = view or f"{method}_{path}"
            if operation_id in self.operation_ids:
                operation_id = f"{blueprint}_{operation_id}"
            self.operation_ids.add(operation_id)
            operation.setdefault("operationId", operation_id)
            self._complete(method, operation, path_parameters)

    @staticmethod
    def _complete(method: str, operation: dict, path_parameters: bool) -> None:
        responses = operation.setdefault("responses", {})
        anonymous = operation.get("security") == []
        takes_input = bool(operation.get("parameters")) or path_parameters or (
            "requestBody" in operation
        )
        statuses: list[int] = []
        if not anonymous:
            statuses += [401, 403]
            if method in WRITE_METHODS:
                parameters = operation.setdefault("parameters", [])
                for header in (CSRF_HEADER, IDEMPOTENCY_HEADER):
                    if not any(p.get("name") == header["name"] for p in parameters
                               if isinstance(p, dict)):
                        parameters.append(dict(header))
                statuses += [400, 409, 422]
        if method in BODY_METHODS:
            statuses += [400, 413, 415, 422]
        if path_parameters:
            statuses.append(404)
        if takes_input:
            statuses.append(422)
        statuses.append(503)
        documented = {str(status) for status in responses}  # ints until apispec cleans them
        for status in sorted(set(statuses)):
            if str(status) not in documented:
                responses[str(status)] = _ERROR_RESPONSES[status]


API_PREFIX = "/api/v1"


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint of the REST API: its calls below API_PREFIX, in the document's section
    ``description``."""
    return Blueprint(name, import_name, url_prefix=API_PREFIX, description=description)


def endpoint(blp: Blueprint, method: str, rule: str, status: int = 200,
             schema: type[Schema] | Schema | None = None, *,
             body: type[Schema] | Schema | None = None,
             query: type[Schema] | Schema | None = None,
             errors: Mapping[int, str] | None = None,
             public: bool = False) -> Callable[[Callable], Callable]:
    """The decorators of a call for signed-in users, in one: the route (``method`` on
    ``rule`` of the flask-smorest blueprint ``blp``), its arguments from a JSON ``body``
    or the ``query`` string, its answer (``status`` with ``schema``, none for 204), the
    error answers it documents in its own words (``errors``: status → description), and
    ``login_required`` innermost; a ``public`` call (signing in) has no login_required
    and ``security: []`` in the document. The document comes out as from the stacked
    decorators."""

    def decorate(view: Callable) -> Callable:
        if not public:
            view = login_required(view)
        for code, description in reversed(list((errors or {}).items())):
            view = blp.alt_response(code, description=description)(view)
        view = blp.response(status, schema)(view)
        if query is not None:
            view = blp.arguments(query, location="query")(view)
        if body is not None:
            view = blp.arguments(body)(view)
        if public:
            view = blp.doc(security=[])(view)
        return blp.route(rule, methods=[method.upper()])(view)

    return decorate


def init_api(app: Any, api: Any) -> None:
    """Initialise flask-smorest's Api on the app with this module's rules."""
    api.init_app(app, spec_kwargs={"extra_plugins": [ContractPlugin()]})
    api.spec.components.response("SERVICE_UNAVAILABLE", {
        "description": "The database or Redis is briefly unavailable (a restart, a timeout): "
        "nothing was written; try again after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    })
    api.ma_plugin.converter.add_attribute_function(decimal_properties)
