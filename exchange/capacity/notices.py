"""What capacity's notifications say in the inbox (exchange.notifications knows no
capacity): a bed transfer requested, accepted, declined, or its held beds released."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from exchange.notifications import texts
from exchange.notifications.texts import UrlFor


def _transfer(text: object) -> Callable[[dict, UrlFor], tuple[str, str | None]]:
    """A line with %(organization)s, %(beds)s and %(title)s (``text``: lazy), linking to the
    request's thread, else the other organisation."""

    def describe(p: dict, url: UrlFor) -> tuple[str, str | None]:
        beds = p.get("beds")
        beds = format_number(beds) if isinstance(beds, int | float) else beds or ""
        line = str(text) % {"organization": p.get("organization_name", ""), "beds": beds,
                            "title": p.get("title", "")}
        return line, texts.link(p, "room_id", url) or texts.link(p, "organization_id", url)

    return describe


def register() -> None:
    """Tell the notifications inbox the transfer kinds (from create_app)."""
    texts.register_kinds((
        ("transfer_requested", _l("Transfer request"),
         _l("%(organization)s asks for %(beds)s beds (“%(title)s”)")),
        ("transfer_accepted", _l("Transfer request accepted"),
         _l("%(organization)s accepted the request for %(beds)s beds")),
        ("transfer_declined", _l("Transfer request declined"),
         _l("%(organization)s declined the request for %(beds)s beds")),
        ("transfer_released", _l("Held beds released"),
         _l("%(beds)s beds held for %(organization)s are released")),
    ), _transfer)
