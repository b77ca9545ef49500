"""What listings tell people through the notifications inbox: who hears of a listing, the
payload that names it, what each listing kind says in the feed, and the letters of the
kinds mailed with their own words (a saved search's match, an expiry reminder, a flag).

``register()`` (from the package's init_app) hands the kinds and letters to
exchange.notifications, which knows no listing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange import mail
from exchange.extensions import db
from exchange.notifications import emails, texts
from exchange.notifications.texts import UrlFor
from exchange.profiles.models import Membership, MembershipStatus, User

from .access import MANAGER_ROLES
from .models import Listing

LISTING_PAGE = "listings_views.listing_detail"


def owner_recipients(listing: Listing) -> list[int]:
    """Who hears about a listing: its owner, or (without one) its organisation's managers."""
    if listing.owner_id is not None:
        return [listing.owner_id]
    return list(
        db.session.scalars(
            select(Membership.user_id)
            .where(
                Membership.organization_id == listing.organization_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role.in_(sorted(MANAGER_ROLES)),
            )
            .order_by(Membership.user_id)
        )
    )


def listing_ref(listing: Listing) -> dict:
    """What a notification about a listing carries of it."""
    return {
        "listing_id": listing.id,
        "kind": listing.kind,
        "title": listing.title,
        "city": listing.city,
    }


# --- the feed's lines --------------------------------------------------------------------


def _saved_search_match(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("New listing for your search “%(search)s”: %(title)s",
              search=p.get("saved_search_name", ""), title=p.get("title", "")),
            texts.link(p, "listing_id", url))


def _expiring(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("Your listing “%(title)s” is about to expire", title=p.get("title", "")),
            texts.link(p, "listing_id", url))


def _expired(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("Your listing “%(title)s” has expired", title=p.get("title", "")),
            texts.link(p, "listing_id", url))


def _reservation_ended(p: dict, url: UrlFor) -> tuple[str, str | None]:
    # The listing is withdrawn, out of the reserver's sight: the map is where to look next.
    return (_("“%(title)s”, which you reserved, was withdrawn by its owner",
              title=p.get("title", "")), url("listings_views.map_page"))


def _flagged(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("Your listing “%(title)s” was reported as no longer available",
              title=p.get("title", "")), texts.link(p, "listing_id", url))


# --- the letters -------------------------------------------------------------------------


def _listing_url(payload: dict) -> str:
    return mail.external_url(LISTING_PAGE, listing_id=payload["listing_id"])


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return f"{format_date(moment, 'long')}, {format_time(moment, 'short')}"


def _what(payload: dict) -> str:
    kind = gettext("Flat") if payload.get("kind") == "flat" else gettext("Free beds")
    city = payload.get("city") or ""
    return f"{kind}, {city}" if city else kind


def _saved_search_match_letter(user: User, payload: dict) -> tuple[str, str]:
    values = {
        "search": payload.get("saved_search_name", ""),
        "title": payload.get("title", ""),
    }
    subject = gettext("New listing for your search “%(search)s”: %(title)s", **values)
    return subject, emails.letter(
        user,
        [
            gettext("a newly published listing matches your saved search “%(search)s”:",
                    **values),
            f"{values['title']}\n{_what(payload)}",
            gettext("Open it on the map: %(url)s", url=_listing_url(payload)),
        ]
    )


def _owner_letter(user: User, payload: dict, subject: str, *paragraphs: str) -> tuple[str, str]:
    """A letter to a listing's owner about it: the (translated) subject and paragraphs get
    its %(title)s, %(date)s (when it expires), %(url)s and the %(reason)s of a flag."""
    values = {"title": payload.get("title", ""), "date": _when(payload.get("expires_at")),
              "url": _listing_url(payload), "reason": payload.get("reason", "")}
    return subject % values, emails.letter(user, [text % values for text in paragraphs])


def _expiring_letter(user: User, payload: dict) -> tuple[str, str]:
    return _owner_letter(
        user, payload, gettext("Your listing expires on %(date)s: %(title)s"),
        gettext("your listing “%(title)s” expires on %(date)s unless you confirm that it is "
                "still available. One click on “Still available” on the listing renews it:"),
        "%(url)s",
        gettext("If it is no longer available, please withdraw it there."),
    )


def _flagged_letter(user: User, payload: dict) -> tuple[str, str]:
    return _owner_letter(
        user, payload, gettext("Please check your listing: %(title)s"),
        gettext("an official has reported your listing “%(title)s” as no longer available:"),
        gettext("“%(reason)s”"),
        gettext("Please confirm that it is still available, or withdraw it. Unless you "
                "confirm it, it expires on %(date)s."),
        "%(url)s",
    )


def register() -> None:
    """Tell the notifications inbox the listing kinds, their letters and the listing page."""
    texts.register_link("listing_id", LISTING_PAGE)
    texts.register_kind("saved_search_match", _l("New match of a saved search"),
                        _saved_search_match)
    texts.register_kind("listing_expiring", _l("Listing about to expire"), _expiring)
    texts.register_kind("listing_flagged", _l("Listing reported as no longer available"),
                        _flagged)
    texts.register_kind("listing_expired", _l("Listing expired"), _expired)
    texts.register_kind("listing_reservation_ended", _l("Reserved listing withdrawn"),
                        _reservation_ended)
    emails.register_letter("saved_search_match", _saved_search_match_letter)
    emails.register_letter("listing_expiring", _expiring_letter)
    emails.register_letter("listing_flagged", _flagged_letter)
