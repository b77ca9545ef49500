"""What a notification says and where it leads, for the feed (the bell's dropdown and the
/notifications page), the profile's per-kind e-mail preferences and the e-mail of every kind
without a composer of its own (emails.py: the same line is its subject).

The text is built from the payload on the server in the reader's language; the page's
script fetches the rendered list (``/notifications/panel``) when the socket says a new one
arrived, so no text lives in JavaScript. Unknown kinds (added by other domains later) get a
generic line.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _

from exchange.listings.models import Notification


def kind_labels() -> dict[str, str]:
    """Every kind the feed knows, with a label (for the e-mail preferences)."""
    return {
        "saved_search_match": _("New match of a saved search"),
        "listing_expiring": _("Listing about to expire"),
        "listing_flagged": _("Listing reported as no longer available"),
        "listing_expired": _("Listing expired"),
        "listing_requested": _("Listing requested"),
        "chat_mention": _("Mention in a chat"),
        "chat_reply": _("Reply in a chat"),
        "membership_approved": _("Membership approved"),
        "membership_rejected": _("Membership rejected"),
        "invitation": _("Invitation to an organisation"),
        "landlord_verified": _("Landlord verified"),
        "landlord_rejected": _("Landlord rejected"),
        "transfer_requested": _("Transfer request"),
        "transfer_accepted": _("Transfer request accepted"),
        "transfer_declined": _("Transfer request declined"),
        "transfer_released": _("Held beds released"),
        "concept": _("New concept on a topic I follow"),
    }


def describe(
    notification: Notification, url: Callable[..., str] = url_for
) -> tuple[str, str | None]:
    """(text, link) of one notification. ``url(endpoint, **values)`` builds the link: the
    feed's relative ``url_for``, an e-mail's absolute ``mail.external_url``."""
    p = notification.payload or {}
    kind = notification.kind
    title = p.get("title", "")
    org = p.get("organization_name", "")
    listing = (url("listings_views.listing_detail", listing_id=p["listing_id"])
               if p.get("listing_id") else None)
    room = url("chat_views.room_page", room_id=p["room_id"]) if p.get("room_id") else None
    organization = (url("organizations_views.organization", organization_id=p["organization_id"])
                    if p.get("organization_id") else None)
    author = p.get("author") or p.get("by") or {}
    author = author if isinstance(author, str) else author.get("name", "")
    if kind == "saved_search_match":
        return _("New listing for your search “%(search)s”: %(title)s",
                 search=p.get("saved_search_name", ""), title=title), listing
    if kind == "listing_expiring":
        return _("Your listing “%(title)s” is about to expire", title=title), listing
    if kind == "listing_expired":
        return _("Your listing “%(title)s” has expired", title=title), listing
    if kind == "listing_flagged":
        return _("Your listing “%(title)s” was reported as no longer available",
                 title=title), listing
    if kind == "listing_requested":
        return _("%(name)s requested your listing “%(title)s”", name=author,
                 title=title), room or listing
    if kind == "chat_mention":
        return _("%(name)s mentioned you in “%(room)s”", name=author,
                 room=p.get("room_name", "")), room
    if kind == "chat_reply":
        return _("%(name)s replied in “%(room)s”", name=author,
                 room=p.get("room_name", "")), room
    if kind == "membership_approved":
        return _("You are a member of %(organization)s now", organization=org), organization
    if kind == "membership_rejected":
        return _("Your request to join %(organization)s was rejected",
                 organization=org), organization
    if kind == "invitation":
        return _("You were invited to %(organization)s", organization=org), organization
    if kind == "landlord_verified":
        return _("%(organization)s is verified", organization=org), organization
    if kind == "landlord_rejected":
        return _("The verification of %(organization)s was rejected",
                 organization=org), organization
    if kind == "concept" and p.get("concept_id"):
        return (_("%(name)s wrote “%(title)s” on a topic you follow", name=author,
                  title=title),
                url("concepts_views.concept_page", concept_id=p["concept_id"]))
    if kind.startswith("transfer_"):
        texts = {
            "transfer_requested": _("%(organization)s asks for %(beds)s beds (“%(title)s”)"),
            "transfer_accepted": _("%(organization)s accepted the request for %(beds)s beds"),
            "transfer_declined": _("%(organization)s declined the request for %(beds)s beds"),
            "transfer_released": _("%(beds)s beds held for %(organization)s are released"),
        }
        text = texts.get(kind)
        if text is None:
            return _("Transfer request: %(organization)s", organization=org), room or organization
        beds = p.get("beds")
        beds = format_number(beds) if isinstance(beds, int | float) else beds or ""
        return (text % {"organization": org, "beds": beds, "title": title},
                room or organization)
    label = kind_labels().get(kind, kind.replace("_", " "))
    return label, listing or room or organization
