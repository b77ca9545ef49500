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
#: sender: the chat Message that was posted (flushed)
chat_message_posted = _signals.signal("chat-message-posted")
#: sender: the chat Message that was edited or deleted (flushed)
chat_message_changed = _signals.signal("chat-message-changed")
#: sender: the chat Room; user_ids: the users who were just added to it (flushed)
chat_members_added = _signals.signal("chat-members-added")
#: sender: the chat Member whose read watermark moved (flushed)
chat_read = _signals.signal("chat-read")
