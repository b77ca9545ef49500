"""REST API of the notifications inbox: parse → service → dump."""

from __future__ import annotations

from flask_login import current_user, login_required

from exchange.notifications import services
from exchange.notifications.schemas import (
    MarkedSchema,
    NotificationListArgs,
    NotificationPageSchema,
    NotificationSchema,
)
from exchange.openapi import api_blueprint, endpoint

blp = api_blueprint("notifications", __name__, "Notifications: my inbox")


@endpoint(blp, "get", "/notifications", 200, NotificationPageSchema, query=NotificationListArgs)
def list_notifications(args: dict):
    """My notifications, newest first (`unread=true` for unread ones only)."""
    return services.list_notifications(current_user, args["unread"], args["limit"], args["cursor"])


@endpoint(blp, "post", "/notifications/<int:notification_id>/read", 200, NotificationSchema)
def read_notification(notification_id: int):
    """Mark one of my notifications read."""
    return services.mark_notification_read(current_user, notification_id)


@blp.post("/notifications/read-all")
@blp.response(200, MarkedSchema, description="How many were marked read")
@login_required
def read_all_notifications():
    """Mark all my notifications read → `{"marked": n}`."""
    return {"marked": services.mark_all_notifications_read(current_user)}
