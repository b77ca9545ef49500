"""Notifications by e-mail.

Every in-app notification (services.notify → signals.notification_created) also goes out as
an e-mail when the server has SMTP configured (exchange.mail), its user has
``email_notifications`` switched on and has not muted its kind (``email_muted_kinds``, the
profile page), in the user's language. The message is written inside the transaction and
sent after it commits (never for one rolled back).

Some kinds have a letter of their own (``COMPOSERS``, registered by the domain that writes
the kind with ``register_letter``: a saved search's new match, an expiry reminder, a flag).
Every other kind gets the generic one: the bell's line (texts.describe) as subject and first
line, the quoted chat message or reason when there is one, the link the feed would open
(else the notifications page) and the footer. Not mailed (``NOT_MAILED``): ``invitation``,
because the invitation service mails the invitation itself, with its one-time link, to
every invited address (accounts included).

Chat mentions and replies are mailed also to someone who has the room open at that moment:
which sockets are in a room is not known reliably across processes, and a mail that is one
too many costs less than a missed question. Whoever finds it too much mutes ``chat_reply``
or ``chat_mention`` on the profile page. Replies in a busy thread are mailed once until
read: while an earlier reply in the same thread is still unread in the chat, a new one is
only in the bell (``notify(..., email=False)``, decided by the chat domain).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext

from exchange import mail, signals
from exchange.extensions import db
from exchange.notifications import texts
from exchange.notifications.models import Notification
from exchange.profiles.models import User

#: (subject, body) of a letter to a user about a payload, in the current locale.
Composer = Callable[[User, dict], tuple[str, str]]

#: Notification kinds with a letter of their own (register_letter); every other kind gets
#: ``_generic``.
COMPOSERS: dict[str, Composer] = {}

#: Kinds never mailed as a notification: an invitation is mailed by the invitation service
#: itself (profiles.invitations.mail_invitation, with the link that accepts it).
NOT_MAILED: frozenset[str] = frozenset({"invitation"})


def register_letter(kind: str, composer: Composer) -> None:
    """Mail notifications of ``kind`` as ``composer`` writes them (a domain's own letter)."""
    COMPOSERS[kind] = composer


def greeting(user: User) -> str:
    """A letter's first line."""
    return gettext("Hello %(name)s,", name=user.name)


def footer() -> str:
    """A letter's last lines: why it came and where to switch it off."""
    return "\n\n-- \n" + gettext(
        "You receive this e-mail because e-mail notifications are switched on in your "
        "profile. To switch them off: %(url)s",
        url=mail.external_url("profiles_views.profile"),
    )


def letter(user: User, paragraphs: list[str]) -> str:
    """A letter's body: the greeting, the paragraphs, the footer."""
    return "\n\n".join([greeting(user), *paragraphs]) + footer()


def _generic(user: User, notification: Notification) -> tuple[str, str]:
    """The bell's line as subject and first line, a quote if any, the feed's link."""
    payload = notification.payload or {}
    text, link = texts.describe(notification, url=mail.external_url)
    parts = [f"{text}."]
    quote = payload.get("excerpt") or payload.get("reason")
    if quote:
        parts.append(gettext("“%(reason)s”", reason=quote))
    parts.append(link or mail.external_url("notifications_views.notifications_page"))
    return " ".join(text.split()), letter(user, parts)


def compose(user: User, notification: Notification) -> tuple[str, str]:
    """(subject, body) of the e-mail for ``notification``, in the current locale."""
    specific = COMPOSERS.get(notification.kind)
    if specific is not None:
        return specific(user, notification.payload or {})
    return _generic(user, notification)


def mailed_kinds() -> list[tuple[str, str]]:
    """(kind, label) of every kind that goes out by e-mail: the profile's choices."""
    return [(kind, label) for kind, label in texts.kind_labels().items()
            if kind not in NOT_MAILED]


def _language(user: User) -> str:
    languages = current_app.config.get("LANGUAGES") or ("de",)
    return user.locale if user.locale in languages else languages[0]


def _email_notification(notification: Notification, email: bool = True, **_: Any) -> None:
    if not email or notification.kind in NOT_MAILED or not mail.enabled():
        return
    user = db.session.get(User, notification.user_id)
    if user is None or user.disabled or not user.email_notifications or not user.email:
        return
    if notification.kind in (user.email_muted_kinds or ()):
        return
    with force_locale(_language(user)):
        subject, body = compose(user, notification)
    mail.send_after_commit(user.email, subject, body)


def register() -> None:
    """Mail every notification as it is created (called by the package's init_app)."""
    signals.notification_created.connect(_email_notification)
