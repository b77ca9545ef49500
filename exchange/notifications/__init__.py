"""The inbox every domain writes to: the model, ``notify``, what each kind says (texts.py,
filled by the domains), the e-mails, the API and the feed's pages.

Below every domain but profiles: it imports profiles and the platform modules only.
Domains write with ``notifications.notify(user_id, kind, payload)``.
"""

from __future__ import annotations

from flask import Flask

from exchange.notifications import emails, events, network_notices
from exchange.notifications.services import notify

__all__ = ["init_app", "notify"]


def init_app(app: Flask) -> None:
    """Connect the receivers: socket events, e-mails, the notices of profiles' events."""
    events.register()
    emails.register()
    network_notices.register()
