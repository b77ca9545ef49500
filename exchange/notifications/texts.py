"""What a notification says and where it leads, for the feed (the bell's dropdown and the
/notifications page), the profile's per-kind e-mail preferences and the e-mail of every kind
without a letter of its own (emails.py: the same line is its subject).

Notifications sit below the domains that write them and know none of their kinds: each
domain registers, from its ``init_app`` in create_app, the kinds it writes
(``register_kind``: a label and how a payload reads) and the pages its payloads name
(``register_link``: ``listing_id`` → the listing's page). The kinds of profiles' events are
registered here, by network_notices.py. Labels are listed in the order of registration.

A kind may also register the actions its reader can take right in the feed
(``register_actions``: accept or decline a bed request), asked afresh each time the feed is
shown so that a decided request shows none.

The text is built from the payload on the server in the reader's language; the page's
script fetches the rendered list (``/notifications/panel``) when the socket says a new one
arrived, so no text lives in JavaScript. Unknown kinds get a generic line: the kind's name
and the first page its payload names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from exchange.notifications.models import Notification

#: ``url(endpoint, **values)``: the feed's relative ``url_for``, an e-mail's absolute
#: ``mail.external_url``.
UrlFor = Callable[..., str]
#: (text, link) of a payload, in the current locale.
Describe = Callable[[dict, UrlFor], tuple[str, str | None]]


@dataclass(frozen=True)
class NotificationKind:
    label: Any  # a lazy string: the label in the reader's language
    describe: Describe


@dataclass(frozen=True)
class Action:
    """A button in the feed: a form that posts to ``url`` (with ``fields`` hidden)."""

    label: str
    url: str
    name: str  # what it does ("accept"): its test id is f"notification-{name}"
    primary: bool = False
    fields: tuple[tuple[str, str], ...] = ()


#: ``actions(payload, reader)``: the buttons the reader has now.
Actions = Callable[[dict, Any], list[Action]]

_KINDS: dict[str, NotificationKind] = {}
_ACTIONS: dict[str, Actions] = {}
#: payload key → the endpoint of the page it names, taking that key as its argument.
_LINKS: dict[str, str] = {}
#: The page a payload names when no registered one does (profiles sits below us).
_ORGANIZATION = ("organization_id", "organizations_views.organization")


def register_kind(kind: str, label: Any, describe: Describe) -> None:
    """Let the feed and the e-mails tell notifications of ``kind`` (again: replaced)."""
    _KINDS[kind] = NotificationKind(label, describe)


def register_actions(kind: str, actions: Actions) -> None:
    """The buttons a notification of ``kind`` shows in the feed, for its reader."""
    _ACTIONS[kind] = actions


def actions(notification: Notification, reader: Any) -> list[Action]:
    """The buttons of one notification for its reader (none for most kinds)."""
    found = _ACTIONS.get(notification.kind)
    return found(notification.payload or {}, reader) if found is not None else []


def register_kinds(kinds: Iterable[tuple[str, Any, Any]], line: Callable[[Any], Describe]) -> None:
    """``register_kind`` for kinds that read alike: (kind, label, text) each, described by
    ``line(text)``."""
    for kind, label, text in kinds:
        register_kind(kind, label, line(text))


def register_link(key: str, endpoint: str) -> None:
    """A payload with ``key`` names the page ``endpoint`` (taking ``key=value``)."""
    _LINKS[key] = endpoint


def link(payload: dict, key: str, url: UrlFor) -> str | None:
    """The page of ``payload[key]``, if the payload names one and the key is registered."""
    if key == _ORGANIZATION[0]:
        endpoint: str | None = _ORGANIZATION[1]
    else:
        endpoint = _LINKS.get(key)
    value = payload.get(key)
    return url(endpoint, **{key: value}) if endpoint and value else None


def first_link(payload: dict, url: UrlFor) -> str | None:
    """The first page the payload names (registered keys in order, then its organisation)."""
    for key in (*_LINKS, _ORGANIZATION[0]):
        if (found := link(payload, key, url)) is not None:
            return found
    return None


def author_name(payload: dict) -> str:
    """Who did it: ``author`` or ``by``, a name or ``{"name": …}``."""
    author = payload.get("author") or payload.get("by") or {}
    return author if isinstance(author, str) else author.get("name", "")


def kind_labels() -> dict[str, str]:
    """Every kind the feed knows, with a label (for the e-mail preferences)."""
    return {kind: str(known.label) for kind, known in _KINDS.items()}


def generic(kind: str, payload: dict, url: UrlFor) -> tuple[str, str | None]:
    """The line of a kind without a text of its own: its label, the first page it names."""
    known = _KINDS.get(kind)
    label = str(known.label) if known is not None else kind.replace("_", " ")
    return label, first_link(payload, url)


def describe(notification: Notification, url: UrlFor = url_for) -> tuple[str, str | None]:
    """(text, link) of one notification."""
    payload = notification.payload or {}
    known = _KINDS.get(notification.kind)
    if known is None:
        return generic(notification.kind, payload, url)
    return known.describe(payload, url)
