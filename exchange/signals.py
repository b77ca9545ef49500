"""Blinker signals that cross domains. Senders flush first; receivers must not commit."""

from blinker import Namespace

_signals = Namespace()

#: sender: the login session key that ended (logout, disabled user)
session_ended = _signals.signal("session-ended")
#: sender: the Membership that became active
membership_approved = _signals.signal("membership-approved")
