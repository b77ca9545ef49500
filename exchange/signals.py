"""Blinker signals that cross domains. Senders flush first; receivers must not commit."""

from blinker import Namespace

_signals = Namespace()

#: sender: the login session key that ended (logout, disabled user)
session_ended = _signals.signal("session-ended")
#: sender: the Membership that became active
membership_approved = _signals.signal("membership-approved")
#: sender: the Organization; user_id: whose join request was rejected (membership deleted)
membership_rejected = _signals.signal("membership-rejected")
#: sender: the user id whose open sockets must close now, after commit (the account was
#: disabled as a whole)
user_access_changed = _signals.signal("user-access-changed")
#: sender: the User (flushed) whose memberships changed (disabled, role changed): after
#: commit their open sockets leave the rooms joined on connect that no longer fit and join
#: those that now do; the sockets and sessions stay
user_rooms_changed = _signals.signal("user-rooms-changed")
#: sender: the Invitation (flushed); user_id: the existing account it is addressed to
invitation_created = _signals.signal("invitation-created")
#: sender: the landlord Organization whose verification was decided (flushed)
organization_verification_decided = _signals.signal("organization-verification-decided")
#: sender: the new Concept (flushed); user_ids: followers of its topics who may read it
concept_published = _signals.signal("concept-published")
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
#: sender: the capacity Shelter whose counts or publication changed (flushed); payload: the
#: `capacity` event (counts only); organization_ids: its organisation and those above it;
#: published: whether its listing is on the map
capacity_changed = _signals.signal("capacity-changed")
#: sender: the capacity BedTransfer just requested (flushed); actor: the requesting user;
#: recipient_ids: the providing side's officials and admins. The chat domain opens the
#: request's thread and sets ``sender.room_id``.
transfer_requested = _signals.signal("transfer-requested")
#: sender: the Listing an official just reserved (flushed); actor: the official. The chat
#: domain tells the owner side (notification) and opens the conversation with them.
listing_reserved = _signals.signal("listing-reserved")
