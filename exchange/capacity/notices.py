"""What capacity's notifications say in the inbox (exchange.notifications knows no
capacity): a bed request made, accepted, declined, withdrawn, or its held beds released.
Each leads to the request's page, where its actions are; a request still open shows its
accept and decline right in the feed of those who decide it."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.capacity import transfers
from exchange.capacity.models import BedTransfer
from exchange.extensions import db
from exchange.notifications import texts
from exchange.notifications.texts import Action, UrlFor

TRANSFER_PAGE = "capacity_views.transfer_page"


def _transfer(text: object) -> Callable[[dict, UrlFor], tuple[str, str | None]]:
    """A line with %(organization)s, %(beds)s and %(title)s (``text``: lazy), linking to the
    request's page (its actions and its thread), else the other organisation."""

    def describe(p: dict, url: UrlFor) -> tuple[str, str | None]:
        beds = p.get("beds")
        beds = format_number(beds) if isinstance(beds, int | float) else beds or ""
        line = str(text) % {"organization": p.get("organization_name", ""), "beds": beds,
                            "title": p.get("title", "")}
        return line, texts.link(p, "transfer_id", url) or texts.link(p, "organization_id", url)

    return describe


def _decide(payload: dict, reader) -> list[Action]:
    """Accept and decline, while the request is open and the reader decides it."""
    transfer_id = payload.get("transfer_id")
    if not isinstance(transfer_id, int):
        return []
    transfer = db.session.scalar(select(BedTransfer).where(BedTransfer.id == transfer_id))
    if transfer is None or not transfers.may_decide(reader, transfer):
        return []
    back = (("back", "transfer"),)
    return [
        Action(_("Accept"), url_for("capacity_views.transfer_action", transfer_id=transfer_id,
                                    action="accept"), "accept", True, back),
        Action(_("Decline"), url_for("capacity_views.transfer_action",
                                     transfer_id=transfer_id, action="decline"),
               "decline", False, back),
    ]


def register() -> None:
    """Tell the notifications inbox the transfer kinds (from create_app)."""
    texts.register_link("transfer_id", TRANSFER_PAGE)
    texts.register_kinds((
        ("transfer_requested", _l("Transfer request"),
         _l("%(organization)s asks for %(beds)s beds (“%(title)s”)")),
        ("transfer_accepted", _l("Transfer request accepted"),
         _l("%(organization)s accepted the request for %(beds)s beds")),
        ("transfer_declined", _l("Transfer request declined"),
         _l("%(organization)s declined the request for %(beds)s beds")),
        ("transfer_withdrawn", _l("Transfer request withdrawn"),
         _l("%(organization)s withdrew the request for %(beds)s beds")),
        ("transfer_released", _l("Held beds released"),
         _l("%(beds)s beds held for %(organization)s are released")),
    ), _transfer)
    texts.register_actions("transfer_requested", _decide)
