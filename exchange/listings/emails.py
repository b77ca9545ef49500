"""Listings notices by e-mail: a saved search's new match, an expiry reminder, a flag.

Every in-app notification of these kinds (services.notify → signals.notification_created)
also goes out as an e-mail when the server has SMTP configured (exchange.mail) and its user
has ``email_notifications`` switched on, in the user's language, with a link to the
listing. The message is written inside the transaction and sent after it commits (never
for one rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, format_time, gettext

from exchange import mail, signals
from exchange.extensions import db
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


#: Notification kinds that also go out by e-mail, and how each is written.
COMPOSERS: dict[str, Composer] = {
    "saved_search_match": _saved_search_match,
    "listing_expiring": _listing_expiring,
    "listing_flagged": _listing_flagged,
}


def _language(user: User) -> str:
    languages = current_app.config.get("LANGUAGES") or ("de",)
    return user.locale if user.locale in languages else languages[0]


@signals.notification_created.connect
def _email_notification(notification, **_: Any) -> None:
    compose = COMPOSERS.get(notification.kind)
    if compose is None or not mail.enabled():
        return
    user = db.session.get(User, notification.user_id)
    if user is None or user.disabled or not user.email_notifications or not user.email:
        return
    if notification.kind in (user.email_muted_kinds or ()):
        return
    with force_locale(_language(user)):
        subject, body = compose(user, notification.payload)
    mail.send_after_commit(user.email, subject, body)
