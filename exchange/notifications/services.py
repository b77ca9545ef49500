"""Writing and reading the inbox: ``notify`` (every domain), the feed, read marks."""

from __future__ import annotations

from sqlalchemy import func, select, update

from exchange import signals
from exchange.db import utcnow
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.pagination import DEFAULT_LIMIT, Page, page_by_id
from exchange.profiles.models import User

from .models import Notification


def notify(user_id: int, kind: str, payload: dict, *, email: bool = True) -> Notification:
    """An in-app notification; its socket event goes out after commit (events.py), and its
    e-mail (emails.py) unless ``email`` is false."""
    notification = Notification(user_id=user_id, kind=kind, payload=payload)
    db.session.add(notification)
    db.session.flush()
    signals.notification_created.send(notification, email=email)
    return notification


def list_notifications(
    user: User, unread_only: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page:
    """My notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return page_by_id(stmt, Notification.id, limit, cursor, newest_first=True)


def get_notification_for(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications, else 404 (nobody reads another's inbox)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound()
    return notification


def mark_notification_read(user: User, notification_id: int) -> Notification:
    """Mark one of my notifications read (once: a second mark keeps the first time)."""
    notification = get_notification_for(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_notifications_read(user: User) -> int:
    """Mark all my unread notifications read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def unread_notification_count(user: User) -> int:
    """The bell's number."""
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0
