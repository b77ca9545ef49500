"""Blinker signals that cross domains. Senders flush first; receivers must not commit."""

from blinker import Namespace

_signals = Namespace()

#: sender: the login session key that ended (logout, disabled user)
session_ended = _signals.signal("session-ended")
#: sender: the Membership that became active
membership_approved = _signals.signal("membership-approved")
#: sender: the Listing that changed (flushed); event: "published" | "updated" | "withdrawn"
listing_changed = _signals.signal("listing-changed")
#: sender: the Notification that was created (flushed), for its user
notification_created = _signals.signal("notification-created")
