"""REST API of chat: rooms, members, messages, read state, search, export.

parse → service → dump; the request commits, and events go out after the commit
(exchange.chat.events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from exchange import realtime
from exchange.chat import listing_requests, messages, people, read_state, records, rooms
from exchange.chat import search as message_search
from exchange.chat.access import get_room_for
from exchange.chat.models import Member
from exchange.chat.schemas import (
    AddMemberArgs,
    ChatPersonSchema,
    ExportSchema,
    ListingRequestArgs,
    ListingRequestSchema,
    MembershipArgs,
    MessageArgs,
    MessageEditArgs,
    MessageListArgs,
    MessagePageSchema,
    MessageSchema,
    PeopleArgs,
    ReadArgs,
    RoomArgs,
    RoomListArgs,
    RoomMemberSchema,
    RoomPageSchema,
    RoomSchema,
    RoomUpdateArgs,
    SearchArgs,
    SearchPageSchema,
)

blp = Blueprint("chat", __name__, url_prefix="/api/v1", description="Chat")


@dataclass
class MemberView:
    member: Member
    online: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.member, name)


def _room_view(room) -> rooms.RoomView:
    return rooms.room_views(current_user, [room])[0]


@blp.post("/rooms")
@blp.arguments(RoomArgs)
@blp.response(201, RoomSchema)
@blp.alt_response(200, schema=RoomSchema, description="The direct room of the two exists")
@login_required
def create_room(args: dict):
    """Open a channel, group or direct room (a direct room exists once per pair)."""
    room, created = rooms.do_create_room(current_user, **args)
    return _room_view(room), 201 if created else 200


@blp.get("/rooms")
@blp.arguments(RoomListArgs, location="query")
@blp.response(200, RoomPageSchema)
@login_required
def list_rooms(args: dict):
    """My rooms with unread counts, or (`scope=network`) the network rooms I may join."""
    return rooms.list_rooms(current_user, args["scope"], args["limit"], args["cursor"])


@blp.get("/rooms/<int:room_id>")
@blp.response(200, RoomSchema)
@login_required
def get_room(room_id: int):
    """One room (a member's, or a network room one may join)."""
    return _room_view(get_room_for(current_user, room_id))


@blp.patch("/rooms/<int:room_id>")
@blp.arguments(RoomUpdateArgs)
@blp.response(200, RoomSchema)
@login_required
def update_room(args: dict, room_id: int):
    """Rename a room, set its topic or retention (owners, platform admins)."""
    room = rooms.do_update_room(current_user, room_id, args)
    return _room_view(room)


@blp.patch("/rooms/<int:room_id>/membership")
@blp.arguments(MembershipArgs)
@blp.response(200, RoomSchema)
@login_required
def update_membership(args: dict, room_id: int):
    """Mute or unmute a room for myself."""
    rooms.do_set_muted(current_user, room_id, args["muted"])
    return _room_view(get_room_for(current_user, room_id))


@blp.post("/rooms/<int:room_id>/join")
@blp.response(200, RoomSchema)
@login_required
def join_room(room_id: int):
    """Join a network room."""
    room = rooms.do_join_room(current_user, room_id)
    return _room_view(room)


@blp.get("/rooms/<int:room_id>/members")
@blp.response(200, RoomMemberSchema(many=True))
@login_required
def list_members(room_id: int):
    """A room's members, with who is online now."""
    members = rooms.room_members(current_user, room_id)
    online = realtime.presence.online(m.user_id for m in members)
    return [MemberView(m, m.user_id in online) for m in members]


@blp.post("/rooms/<int:room_id>/members")
@blp.arguments(AddMemberArgs)
@blp.response(201, RoomMemberSchema)
@login_required
def add_member(args: dict, room_id: int):
    """Add someone who may take part (members of the room)."""
    member = rooms.do_add_member(current_user, room_id, args["user_id"])
    return MemberView(member, bool(realtime.presence.online([member.user_id])))


@blp.get("/rooms/<int:room_id>/messages")
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessagePageSchema)
@login_required
def list_messages(args: dict, room_id: int):
    """Messages in ascending id order: `after=` what one has (reconnecting), the latest
    ones, or those `before=` an id (scrolling back); `thread=` one thread."""
    return messages.list_messages(current_user, room_id, **args)


@blp.post("/rooms/<int:room_id>/messages")
@blp.arguments(MessageArgs)
@blp.response(201, MessageSchema)
@login_required
def post_message(args: dict, room_id: int):
    """Post a message (stored, then sent to the room's sockets)."""
    return messages.do_post_message(current_user, room_id, **args)


@blp.patch("/messages/<int:message_id>")
@blp.arguments(MessageEditArgs)
@blp.response(200, MessageSchema)
@blp.alt_response(409, description="Deleted, or past CHAT_EDIT_WINDOW_SECONDS")
@login_required
def edit_message(args: dict, message_id: int):
    """Edit one's own message within the edit window."""
    return messages.do_edit_message(current_user, message_id, args["body"])


@blp.delete("/messages/<int:message_id>")
@blp.response(204)
@login_required
def delete_message(message_id: int):
    """Delete one's own message (its row stays, emptied; attachments are unlinked)."""
    messages.do_delete_message(current_user, message_id)


@blp.post("/rooms/<int:room_id>/read")
@blp.arguments(ReadArgs)
@blp.response(204)
@login_required
def mark_read(args: dict, room_id: int):
    """Everything up to this message is read (the watermark never moves back)."""
    read_state.do_mark_read(current_user, room_id, args["message_id"])


@blp.get("/chat/search")
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchPageSchema)
@login_required
def search(args: dict):
    """German full-text search over the messages of my rooms, best match first."""
    return message_search.search_messages(
        current_user, args["q"], args.get("room_id"), args["limit"], args["cursor"]
    )


@blp.get("/rooms/<int:room_id>/export")
@blp.response(200, ExportSchema)
@login_required
def export_room(room_id: int):
    """The whole room for the records (owners, platform admins)."""
    return records.export_room(current_user, room_id), 200, {
        "Content-Disposition": f'attachment; filename="room-{room_id}.json"'
    }


@blp.get("/chat/people")
@blp.arguments(PeopleArgs, location="query")
@blp.response(200, ChatPersonSchema(many=True))
@login_required
def find_people(args: dict):
    """Staff whose name or e-mail contains `q`, to open a room with (staff only)."""
    return people.find_people(current_user, args["q"])


@blp.post("/listings/<int:listing_id>/request")
@blp.arguments(ListingRequestArgs)
@blp.response(201, ListingRequestSchema)
@blp.alt_response(409, description="Not published any more (reserved by someone else…)")
@login_required
def request_listing(args: dict, listing_id: int):
    """An official asks for a listing shared in chat: reserves it, opens the room with
    the poster and shares it there as the first message, all or nothing."""
    made = listing_requests.do_request_listing(current_user, listing_id, **args)
    return made._replace(room=_room_view(made.room))
