"""What capacity's notifications say in the inbox (exchange.notifications knows no
capacity): a bed request made, accepted, declined, withdrawn, or its held beds released.
Each leads to the request's page, where its actions are; a request still open shows its
accept and decline right in the feed of those who decide it. The forecast's warning leads
to the organisation's dashboard (its forecast and threshold)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import url_for
from flask_babel import format_date, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.capacity import forecast, transfers
from exchange.capacity.models import BedTransfer
from exchange.extensions import db
from exchange.notifications import texts
from exchange.notifications.texts import Action, UrlFor

TRANSFER_PAGE = "capacity_views.transfer_page"
DASHBOARD_PAGE = "capacity_views.dashboard_page"


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


def _forecast_low(p: dict, url: UrlFor) -> tuple[str, str | None]:
    line = _("The free beds of %(organization)s fall below %(threshold)s in the week of "
             "%(week)s (lowest: %(lowest)s)") % {
        "organization": p.get("organization_name", ""),
        "threshold": format_number(p.get("threshold") or 0),
        "week": _week(p.get("week_of")),
        "lowest": format_number(p.get("lowest") or 0),
    }
    organization_id = p.get("organization_id")
    link = (url(DASHBOARD_PAGE, organization_id=organization_id)
            if isinstance(organization_id, int) else None)
    return line, link


def _week(value: object) -> str:
    try:
        return format_date(date.fromisoformat(str(value)))
    except ValueError:
        return ""


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
    texts.register_kind(forecast.WARNING_KIND, _l("Free beds forecast below threshold"),
                        _forecast_low)
