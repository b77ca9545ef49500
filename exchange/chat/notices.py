"""What the chat's notifications say in the inbox (exchange.notifications knows no chat):
mentions, replies, and a listing requested through its room."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange.notifications import texts
from exchange.notifications.texts import UrlFor


def _listing_requested(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("%(name)s requested your listing “%(title)s”", name=texts.author_name(p),
              title=p.get("title", "")),
            texts.link(p, "room_id", url) or texts.link(p, "listing_id", url))


def _mention(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("%(name)s mentioned you in “%(room)s”", name=texts.author_name(p),
              room=p.get("room_name", "")), texts.link(p, "room_id", url))


def _reply(p: dict, url: UrlFor) -> tuple[str, str | None]:
    return (_("%(name)s replied in “%(room)s”", name=texts.author_name(p),
              room=p.get("room_name", "")), texts.link(p, "room_id", url))


def register() -> None:
    """Tell the notifications inbox the chat's kinds and the room page (from create_app)."""
    texts.register_link("room_id", "chat_views.room_page")
    texts.register_kind("listing_requested", _l("Listing requested"), _listing_requested)
    texts.register_kind("chat_mention", _l("Mention in a chat"), _mention)
    texts.register_kind("chat_reply", _l("Reply in a chat"), _reply)
