"""Notifications by e-mail.

Every in-app notification (services.notify → signals.notification_created) also goes out as
an e-mail when the server has SMTP configured (exchange.mail), its user has
``email_notifications`` switched on and has not muted its kind (``email_muted_kinds``, the
profile page), in the user's language. The message is written inside the transaction and
sent after it commits (never for one rolled back).

Three kinds have a letter of their own (``COMPOSERS``: a saved search's new match, an expiry
reminder, a flag). Every other kind gets the generic one: the bell's line
(notification_texts.describe) as subject and first line, the quoted chat message or reason
when there is one, the link the feed would open (else the notifications page) and the
footer. Not mailed (``NOT_MAILED``): ``invitation``, because the invitation service mails the
invitation itself, with its one-time link, to every invited address (accounts included).

Chat mentions and replies are mailed also to someone who has the room open at that moment:
which sockets are in a room is not known reliably across processes, and a mail that is one
too many costs less than a missed question. Whoever finds it too much mutes ``chat_reply``
or ``chat_mention`` on the profile page. Replies in a busy thread are mailed once until
read: while an earlier reply in the same thread is still unread in the chat, a new one is
only in the bell (``notify(..., email=False)``, decided by the chat domain).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, format_time, gettext

from exchange import mail, signals
from exchange.extensions import db
from exchange.listings import notification_texts
from exchange.listings.models import Notification
from exchange.profiles.models import User

Composer = Callable[[User, dict], tuple[str, str]]


def _listing_url(payload: dict) -> str:
    return mail.external_url("listings_views.listing_detail", listing_id=payload["listing_id"])


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return f"{format_date(moment, 'long')}, {format_time(moment, 'short')}"


def _what(payload: dict) -> str:
    kind = gettext("Flat") if payload.get("kind") == "flat" else gettext("Free beds")
    city = payload.get("city") or ""
    return f"{kind}, {city}" if city else kind


def _footer() -> str:
    return "\n\n-- \n" + gettext(
        "You receive this e-mail because e-mail notifications are switched on in your "
        "profile. To switch them off: %(url)s",
        url=mail.external_url("profiles_views.profile"),
    )


def _saved_search_match(user: User, payload: dict) -> tuple[str, str]:
    values = {
        "search": payload.get("saved_search_name", ""),
        "title": payload.get("title", ""),
    }
    subject = gettext("New listing for your search “%(search)s”: %(title)s", **values)
    body = "\n\n".join(
        [
            gettext("Hello %(name)s,", name=user.name),
            gettext("a newly published listing matches your saved search “%(search)s”:",
                    **values),
            f"{values['title']}\n{_what(payload)}",
            gettext("Open it on the map: %(url)s", url=_listing_url(payload)),
        ]
    )
    return subject, body + _footer()


def _listing_expiring(user: User, payload: dict) -> tuple[str, str]:
    values = {"title": payload.get("title", ""), "date": _when(payload.get("expires_at"))}
    subject = gettext("Your listing expires on %(date)s: %(title)s", **values)
    body = "\n\n".join(
        [
            gettext("Hello %(name)s,", name=user.name),
            gettext(
                "your listing “%(title)s” expires on %(date)s unless you confirm that it is "
                "still available. One click on “Still available” on the listing renews it:",
                **values,
            ),
            _listing_url(payload),
            gettext("If it is no longer available, please withdraw it there."),
        ]
    )
    return subject, body + _footer()


def _listing_flagged(user: User, payload: dict) -> tuple[str, str]:
    values = {"title": payload.get("title", ""), "date": _when(payload.get("expires_at"))}
    subject = gettext("Please check your listing: %(title)s", **values)
    body = "\n\n".join(
        [
            gettext("Hello %(name)s,", name=user.name),
            gettext(
                "an official has reported your listing “%(title)s” as no longer available:",
                **values,
            ),
            gettext("“%(reason)s”", reason=payload.get("reason", "")),
            gettext(
                "Please confirm that it is still available, or withdraw it. Unless you "
                "confirm it, it expires on %(date)s.",
                **values,
            ),
            _listing_url(payload),
        ]
    )
    return subject, body + _footer()


def _generic(user: User, notification: Notification) -> tuple[str, str]:
    """The bell's line as subject and first line, a quote if any, the feed's link."""
    payload = notification.payload or {}
    text, link = notification_texts.describe(notification, url=mail.external_url)
    parts = [gettext("Hello %(name)s,", name=user.name), f"{text}."]
    quote = payload.get("excerpt") or payload.get("reason")
    if quote:
        parts.append(gettext("“%(reason)s”", reason=quote))
    parts.append(link or mail.external_url("listings_views.notifications_page"))
    return " ".join(text.split()), "\n\n".join(parts) + _footer()


#: Notification kinds with a letter of their own; every other kind gets ``_generic``.
COMPOSERS: dict[str, Composer] = {
    "saved_search_match": _saved_search_match,
    "listing_expiring": _listing_expiring,
    "listing_flagged": _listing_flagged,
}

#: Kinds never mailed as a notification: an invitation is mailed by the invitation service
#: itself (profiles.invitations.mail_invitation, with the link that accepts it).
NOT_MAILED: frozenset[str] = frozenset({"invitation"})


def compose(user: User, notification: Notification) -> tuple[str, str]:
    """(subject, body) of the e-mail for ``notification``, in the current locale."""
    specific = COMPOSERS.get(notification.kind)
    if specific is not None:
        return specific(user, notification.payload or {})
    return _generic(user, notification)


def mailed_kinds() -> list[tuple[str, str]]:
    """(kind, label) of every kind that goes out by e-mail: the profile's choices."""
    return [(kind, label) for kind, label in notification_texts.kind_labels().items()
            if kind not in NOT_MAILED]


def _language(user: User) -> str:
    languages = current_app.config.get("LANGUAGES") or ("de",)
    return user.locale if user.locale in languages else languages[0]


@signals.notification_created.connect
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
