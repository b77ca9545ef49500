"""HTML of the notifications feed: the /notifications page, the bell's panel, and the
bell's unread count and the profile's e-mail choices for every page's template."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import format_datetime
from flask_login import current_user, login_required

from exchange.notifications import emails, services, texts

bp = Blueprint("notifications_views", __name__, template_folder="templates")


@bp.app_context_processor
def _notification_badge() -> dict:
    """`notification_unread_total()` for the bell in the header; `email_notification_kinds()`
    for the profile's e-mail preferences (profiles does not import notifications)."""

    def notification_unread_total() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_notification_count(current_user)

    return {"notification_unread_total": notification_unread_total,
            "email_notification_kinds": emails.mailed_kinds}


def _feed(limit: int) -> list[tuple]:
    page = services.list_notifications(current_user, False, limit, None)
    reader = current_user._get_current_object()
    return [(n, *texts.describe(n), format_datetime(n.created_at, "short"),
             texts.actions(n, reader))
            for n in page.items]


@bp.get("/notifications")
@login_required
def notifications_page():
    return render_template("notifications/notifications.html", items=_feed(100))


@bp.get("/notifications/panel")
@login_required
def notifications_panel():
    """The bell's dropdown: the newest notifications, rendered (fetched by notifications.js)."""
    return render_template("notifications/_notification_list.html", items=_feed(10))
