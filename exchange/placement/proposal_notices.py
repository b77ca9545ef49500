"""What proposals say in the inbox (exchange.notifications knows no placement): each step
told to the other side, leading to the proposal's page where the next step is."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from exchange.notifications import texts
from exchange.notifications.texts import UrlFor

PROPOSAL_PAGE = "placement_views.proposal_page"


def _line(text: object) -> Callable[[dict, UrlFor], tuple[str, str | None]]:
    """A line with %(name)s (who acted), %(size)s (persons) and %(title)s (the flat)."""

    def describe(p: dict, url: UrlFor) -> tuple[str, str | None]:
        size = p.get("size")
        size = format_number(size) if isinstance(size, int) else ""
        line = str(text) % {"name": texts.author_name(p), "size": size,
                            "title": p.get("title", "")}
        return line, texts.link(p, "proposal_id", url)

    return describe


def register() -> None:
    """Tell the notifications inbox the proposal kinds (from create_app)."""
    texts.register_link("proposal_id", PROPOSAL_PAGE)
    texts.register_kinds((
        ("proposal_made", _l("Household proposed for your flat"),
         _l("%(name)s proposes a household of %(size)s for “%(title)s”")),
        ("proposal_viewing", _l("Viewing arranged"),
         _l("%(name)s arranges a viewing of “%(title)s”")),
        ("proposal_accepted", _l("Proposal accepted"),
         _l("%(name)s accepted the household for “%(title)s”")),
        ("proposal_declined", _l("Proposal declined"),
         _l("The proposal for “%(title)s” was declined")),
        ("proposal_withdrawn", _l("Proposal withdrawn"),
         _l("%(name)s withdrew the proposal for “%(title)s”")),
        ("proposal_moved_in", _l("Household moved in"),
         _l("The household has moved into “%(title)s”")),
    ), _line)
