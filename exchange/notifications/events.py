"""What the notifications domain tells open sockets: a new notification, to its user."""

from __future__ import annotations

from typing import Any

from exchange import realtime, signals
from exchange.notifications.models import Notification
from exchange.notifications.schemas import NotificationSchema


def _on_notification_created(notification: Notification, **_: Any) -> None:
    data = NotificationSchema().dump(notification)
    realtime.emit_after_commit("notification", data, room=realtime.user_room(notification.user_id))


def register() -> None:
    """Connect the receivers (called by the package's init_app)."""
    signals.notification_created.connect(_on_notification_created)
