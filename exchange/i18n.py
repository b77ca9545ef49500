"""Extraction of translatable texts from Python for the catalogue (babel.cfg names it).

Besides what babel's own Python extractor finds (``_``, ``gettext``, ``ngettext``,
``lazy_gettext`` / ``_l``, ``N_``), this takes the messages services raise: the literal
message of ``ServiceError`` and its subclasses (``Conflict("...")``, ``NotFound("...")``,
``message=``), the literal messages per field of ``InvalidInput({"field": "..."})``, the
template of ``Text("... %(name)s ...", name=value)``, the literal default of a
``message`` parameter, and the literal message given to ``add_error`` (the last argument,
or ``message=``: the registry import's report of bad rows). Services stay free of gettext
(they do not know the reader); the error handler (or the report's ``as_json``) looks the
English source up in the catalogue of the request (``exchange.errors.localise``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python as babel_extract_python

ERROR_CLASSES = frozenset({
    "ServiceError", "NotFound", "Forbidden", "Unauthorized", "Conflict", "TooManyRequests",
    "InvalidInput", "PayloadTooLarge", "UnsupportedMediaType", "InvalidUpload",
})


def N_(text: str) -> str:
    """The conventional no-op marker: babel extracts the text, nothing is translated here."""
    return text


#: Fixed messages of the libraries that reach users through the API (werkzeug's HTTP error
#: descriptions, marshmallow's field errors, Flask-WTF's CSRF errors). Marked here so that
#: the catalogue holds them; ``localise`` looks them up like any other English source text.
LIBRARY_MESSAGES = [
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid email address."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("The request was well-formed but was unable to be followed due to semantic errors."),
    N_("The server could not verify that you are authorized to access the URL requested. "
       "You either supplied the wrong credentials (e.g. a bad password), or your browser "
       "doesn't understand how to supply the credentials required."),
    N_("You don't have the permission to access the requested resource. It is either "
       "read-protected or not readable by the server."),
    N_("The requested URL was not found on the server. If you entered the URL manually "
       "please check your spelling and try again."),
    N_("The method is not allowed for the requested URL."),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("This user has exceeded an allotted request count. Try again later."),
    N_("A conflict happened while processing the request. The resource might have been "
       "modified while the request was being processed."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("The server does not support the media type transmitted in the request."),
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF tokens do not match."),
    N_("The referrer header is missing."),
    N_("The referrer does not match the host."),
]


#: marshmallow's messages with values in them, as templates the catalogue holds, and how to
#: find the values in the English text.
LIBRARY_PATTERNS = [
    (N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
     r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\."),
    (N_("Must be greater than or equal to %(min)s."),
     r"Must be greater than or equal to (?P<min>\S+)\."),
    (N_("Must be greater than %(min)s."), r"Must be greater than (?P<min>\S+)\."),
    (N_("Must be less than or equal to %(max)s."),
     r"Must be less than or equal to (?P<max>\S+)\."),
    (N_("Shorter than minimum length %(min)s."), r"Shorter than minimum length (?P<min>\d+)\."),
    (N_("Longer than maximum length %(max)s."), r"Longer than maximum length (?P<max>\d+)\."),
    (N_("Length must be between %(min)s and %(max)s."),
     r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
    (N_("Must be one of: %(choices)s."), r"Must be one of: (?P<choices>.+)\."),
]
_PATTERNS = [(template, re.compile(pattern)) for template, pattern in LIBRARY_PATTERNS]


def library_template(text: str) -> tuple[str, dict[str, str]] | None:
    """(template, values) of a library message with values in it, None for others."""
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return template, found.groupdict()
    return None


#: Calls that take a message for a report shown to users (not an error raised): the
#: registry import's ``report.add_error(row, field, message)`` and its local helper.
REPORT_CALLS = frozenset({"add_error"})


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _parts(node: ast.AST | None) -> Iterator[ast.AST]:
    """What an argument is made of: itself, the items of a list/tuple, the values (not the
    keys: they name fields) of a dict, both branches of a conditional."""
    if isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _parts(item)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _parts(value)
    elif isinstance(node, ast.IfExp):
        yield from _parts(node.body)
        yield from _parts(node.orelse)
    elif node is not None:
        yield node


def _literals(node: ast.AST | None) -> Iterator[ast.Constant]:
    """The non-empty string literals of an argument: ``"..."``, ``["...", "..."]``."""
    for part in _parts(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str) and part.value:
            yield part


def _names(node: ast.AST) -> Iterator[str]:
    """Variables an argument is made of: ``message``, ``{"json": {"name": [message]}}``."""
    for part in _parts(node):
        if isinstance(part, ast.Name):
            yield part.id


def service_messages(source: str) -> Iterator[tuple[int, str]]:
    """(line, message) of every literal message given to a service error in the source:
    written in the call, or put into a variable the call is given (``message = "..."``,
    ``errors["field"] = "..."``, a module constant, an error class's ``default_message``)."""
    tree = ast.parse(source)
    # An error class's own message: ``default_message = "..."`` (exchange.errors).
    passed: set[str] = {"default_message"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in ERROR_CLASSES:
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                passed.update(_names(argument))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                variable = target.value if isinstance(target, ast.Subscript) else target
                if isinstance(variable, ast.Name) and variable.id in passed:
                    for literal in _literals(node.value):
                        yield literal.lineno, literal.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "Text" and node.args:
            for literal in _literals(node.args[0]):
                yield literal.lineno, literal.value
        elif isinstance(node, ast.Call) and _call_name(node) in REPORT_CALLS:
            for argument in [*node.args[-1:], *(k.value for k in node.keywords
                                               if k.arg == "message")]:
                for literal in _literals(argument):
                    yield literal.lineno, literal.value
        elif isinstance(node, ast.Call) and _call_name(node) in ERROR_CLASSES:
            for argument in [*node.args, *(k.value for k in node.keywords
                                          if k.arg in ("message", "errors"))]:
                for literal in _literals(argument):
                    yield literal.lineno, literal.value
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            pairs = list(zip(positional[len(positional) - len(arguments.defaults):],
                             arguments.defaults, strict=True))
            pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults,
                                             strict=True) if d is not None]
            for argument, default in pairs:
                if argument.arg == "message":
                    for literal in _literals(default):
                        yield literal.lineno, literal.value


def extract_python(fileobj: IO[bytes], keywords: Collection[str], comment_tags: list[str],
                   options: dict[str, Any]) -> Iterator[tuple[int, str, Any, list[str]]]:
    """babel's Python extractor plus the messages of service errors (see the module)."""
    yield from babel_extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for lineno, message in service_messages(source):
        yield lineno, "", message, []
