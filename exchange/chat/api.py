"""REST API of chat: rooms, members, messages, read state, search, export.

parse → service → dump; the request commits, and events go out after the commit
(exchange.chat.events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user, login_required

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
from exchange.openapi import api_blueprint, endpoint

blp = api_blueprint("chat", __name__, "Chat")


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


@endpoint(blp, "get", "/rooms", 200, RoomPageSchema, query=RoomListArgs)
def list_rooms(args: dict):
    """My rooms with unread counts, or (`scope=network`) the network rooms I may join."""
    return rooms.list_rooms(current_user, args["scope"], args["limit"], args["cursor"])


@endpoint(blp, "get", "/rooms/<int:room_id>", 200, RoomSchema)
def get_room(room_id: int):
    """One room (a member's, or a network room one may join)."""
    return _room_view(get_room_for(current_user, room_id))


@endpoint(blp, "patch", "/rooms/<int:room_id>", 200, RoomSchema, body=RoomUpdateArgs)
def update_room(args: dict, room_id: int):
    """Rename a room, set its topic or retention (owners, platform admins)."""
    room = rooms.do_update_room(current_user, room_id, args)
    return _room_view(room)


@endpoint(blp, "patch", "/rooms/<int:room_id>/membership", 200, RoomSchema, body=MembershipArgs)
def update_membership(args: dict, room_id: int):
    """Mute or unmute a room for myself."""
    rooms.do_set_muted(current_user, room_id, args["muted"])
    return _room_view(get_room_for(current_user, room_id))


@endpoint(blp, "post", "/rooms/<int:room_id>/join", 200, RoomSchema)
def join_room(room_id: int):
    """Join a network room."""
    room = rooms.do_join_room(current_user, room_id)
    return _room_view(room)


@endpoint(blp, "get", "/rooms/<int:room_id>/members", 200, RoomMemberSchema(many=True))
def list_members(room_id: int):
    """A room's members, with who is online now."""
    members = rooms.room_members(current_user, room_id)
    online = realtime.presence.online(m.user_id for m in members)
    return [MemberView(m, m.user_id in online) for m in members]


@endpoint(blp, "post", "/rooms/<int:room_id>/members", 201, RoomMemberSchema, body=AddMemberArgs)
def add_member(args: dict, room_id: int):
    """Add someone who may take part (members of the room)."""
    member = rooms.do_add_member(current_user, room_id, args["user_id"])
    return MemberView(member, bool(realtime.presence.online([member.user_id])))


@endpoint(blp, "get", "/rooms/<int:room_id>/messages", 200, MessagePageSchema,
          query=MessageListArgs)
def list_messages(args: dict, room_id: int):
    """Messages in ascending id order: `after=` what one has (reconnecting), the latest
    ones, or those `before=` an id (scrolling back); `thread=` one thread."""
    return messages.list_messages(current_user, room_id, **args)


@endpoint(blp, "post", "/rooms/<int:room_id>/messages", 201, MessageSchema, body=MessageArgs)
def post_message(args: dict, room_id: int):
    """Post a message (stored, then sent to the room's sockets)."""
    return messages.do_post_message(current_user, room_id, **args)


@endpoint(blp, "patch", "/messages/<int:message_id>", 200, MessageSchema, body=MessageEditArgs,
          errors={409: "Deleted, or past CHAT_EDIT_WINDOW_SECONDS"})
def edit_message(args: dict, message_id: int):
    """Edit one's own message within the edit window."""
    return messages.do_edit_message(current_user, message_id, args["body"])


@endpoint(blp, "delete", "/messages/<int:message_id>", 204)
def delete_message(message_id: int):
    """Delete one's own message (its row stays, emptied; attachments are unlinked)."""
    messages.do_delete_message(current_user, message_id)


@endpoint(blp, "post", "/rooms/<int:room_id>/read", 204, body=ReadArgs)
def mark_read(args: dict, room_id: int):
    """Everything up to this message is read (the watermark never moves back)."""
    read_state.do_mark_read(current_user, room_id, args["message_id"])


@endpoint(blp, "get", "/chat/search", 200, SearchPageSchema, query=SearchArgs)
def search(args: dict):
    """German full-text search over the messages of my rooms, best match first."""
    return message_search.search_messages(
        current_user, args["q"], args.get("room_id"), args["limit"], args["cursor"]
    )


@endpoint(blp, "get", "/rooms/<int:room_id>/export", 200, ExportSchema)
def export_room(room_id: int):
    """The whole room for the records (owners, platform admins)."""
    return records.export_room(current_user, room_id), 200, {
        "Content-Disposition": f'attachment; filename="room-{room_id}.json"'
    }


@endpoint(blp, "get", "/chat/people", 200, ChatPersonSchema(many=True), query=PeopleArgs)
def find_people(args: dict):
    """Staff whose name or e-mail contains `q`, to open a room with (staff only)."""
    return people.find_people(current_user, args["q"])


@endpoint(blp, "post", "/listings/<int:listing_id>/request", 201, ListingRequestSchema,
          body=ListingRequestArgs,
          errors={409: "Not published any more (reserved by someone else…)"})
def request_listing(args: dict, listing_id: int):
    """An official asks for a listing shared in chat: reserves it, opens the room with
    the poster and shares it there as the first message, all or nothing."""
    made = listing_requests.do_request_listing(current_user, listing_id, **args)
    return made._replace(room=_room_view(made.room))
