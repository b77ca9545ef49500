"""Marshmallow schemas of the chat domain: *Schema dumps, *Args loads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.chat.models import BODY_MAX_LENGTH, RoomKind, Visibility
from exchange.db import MAX_ID
from exchange.documents.schemas import DocumentSchema
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID, UserRefSchema
from exchange.schemas import RecordSchema

RETENTION_DAYS = validate.Range(1, 36500, error="Between 1 and 36500 days.")


class MessageSchema(RecordSchema):
    room_id = fields.Integer()
    author = fields.Nested(UserRefSchema, allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    deleted_at = fields.DateTime(allow_none=True)
    reply_to_id = fields.Integer(allow_none=True, metadata={
        "description": "The first message of the thread this message replies in."})
    listing_id = fields.Integer(allow_none=True)
    documents = fields.List(fields.Nested(DocumentSchema))


# One instance for every dump of a message (a send dumps it twice: the ack and the event);
# making a marshmallow schema costs far more than dumping one message with it.
MESSAGE_SCHEMA = MessageSchema()


class ReadReceiptSchema(Schema):
    """The `read` socket event: a member's read watermark moved."""

    room_id = fields.Integer()
    user_id = fields.Integer()
    message_id = fields.Integer(attribute="last_read_message_id")


class SearchHitSchema(MessageSchema):
    rank = fields.Float()


class ExportRoomSchema(RecordSchema):
    """A room's own fields (the export); RoomSchema adds the caller's view."""

    kind = fields.String()
    visibility = fields.String()
    name = fields.String()
    topic = fields.String()
    listing_id = fields.Integer(allow_none=True)
    retention_days = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ExportMemberSchema(Schema):
    """A member as exported; RoomMemberSchema adds the live state."""

    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    role = fields.String()
    joined_at = fields.DateTime()


class RoomSchema(ExportRoomSchema):
    unread = fields.Integer(metadata={"description": "Messages of others after my watermark."})
    last_read_message_id = fields.Integer(attribute="member.last_read_message_id",
                                          allow_none=True)
    muted = fields.Boolean(attribute="member.muted", allow_none=True)
    role = fields.String(attribute="member.role", allow_none=True,
                         metadata={"description": "My role here; null if I am not a member."})
    peer = fields.Nested(UserRefSchema, allow_none=True, metadata={
        "description": "A direct room's other member (its name is the room's name to me)."})
    last_message_id = fields.Integer(allow_none=True)
    last_message_at = fields.DateTime(allow_none=True)


class RoomMemberSchema(ExportMemberSchema):
    last_read_message_id = fields.Integer(allow_none=True)
    online = fields.Boolean()


class RoomArgs(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RoomKind]))
    visibility = fields.String(
        load_default=None, validate=validate.OneOf([v.value for v in Visibility])
    )
    topic = fields.String(load_default="", validate=validate.Length(max=1000))
    member_ids = fields.List(
        fields.Integer(validate=VALID_ID), load_default=list, validate=validate.Length(max=500)
    )
    listing_id = fields.Integer(load_default=None, allow_none=True, validate=VALID_ID)
    retention_days = fields.Integer(load_default=None, allow_none=True, validate=RETENTION_DAYS)


class RoomUpdateArgs(Schema):
    name = fields.String(validate=validate.Length(max=200))
    topic = fields.String(validate=validate.Length(max=1000))
    retention_days = fields.Integer(allow_none=True, validate=RETENTION_DAYS)


class MembershipArgs(Schema):
    muted = fields.Boolean(required=True)


class RoomListArgs(ListArgs):
    scope = fields.String(load_default="mine", validate=validate.OneOf(["mine", "network"]),
                          metadata={"description": "mine: my rooms; network: rooms I may join"})


class AddMemberArgs(Schema):
    user_id = fields.Integer(required=True, validate=VALID_ID)


class MessageListArgs(ListArgs):
    after = fields.Integer(validate=validate.Range(0, MAX_ID), metadata={
        "description": "Messages after this id (ascending); the cursor continues."})
    before = fields.Integer(validate=validate.Range(1, MAX_ID), metadata={
        "description": "The latest messages before this id (for scrolling back)."})
    thread = fields.Integer(validate=VALID_ID, metadata={
        "description": "Only this thread: its first message and the replies."})


class MessageArgs(Schema):
    body = fields.String(load_default="", validate=validate.Length(max=BODY_MAX_LENGTH))
    document_ids = fields.List(
        fields.Integer(validate=VALID_ID), load_default=list, validate=validate.Length(max=20)
    )
    listing_id = fields.Integer(load_default=None, allow_none=True, validate=VALID_ID)
    reply_to_id = fields.Integer(load_default=None, allow_none=True, validate=VALID_ID)
    client_key = fields.String(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^[\x21-\x7e]{1,100}$"),
        metadata={"description": "The sender's own id for this message (e.g. a UUID): "
                  "sending again with it returns the first message, stores nothing twice."})


class MessageEditArgs(Schema):
    body = fields.String(required=True, validate=validate.Length(max=BODY_MAX_LENGTH))


class ReadArgs(Schema):
    message_id = fields.Integer(required=True, validate=VALID_ID)


class SearchArgs(ListArgs):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    room_id = fields.Integer(validate=VALID_ID)


class PeopleArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ChatPersonSchema(Schema):
    id = fields.Integer(attribute="user.id")
    name = fields.String(attribute="user.name")
    organization = fields.String()


class ListingRequestArgs(Schema):
    body = fields.String(load_default="", validate=validate.Length(max=BODY_MAX_LENGTH),
                         metadata={"description": "The first message to the poster."})
    message_id = fields.Integer(load_default=None, allow_none=True, validate=VALID_ID, metadata={
        "description": "The message whose card was used: its author is asked."})


class RequestedListingSchema(RecordSchema):
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    reserved_at = fields.DateTime(allow_none=True)


class ListingRequestSchema(Schema):
    room = fields.Nested(RoomSchema)
    message = fields.Nested(MessageSchema)
    listing = fields.Nested(RequestedListingSchema)


class ExportSchema(Schema):
    room = fields.Nested(ExportRoomSchema)
    members = fields.List(fields.Nested(ExportMemberSchema))
    messages = fields.List(fields.Nested(MessageSchema))
    exported_at = fields.DateTime()


RoomPageSchema = page_schema(RoomSchema, "RoomPageSchema")
MessagePageSchema = page_schema(MessageSchema, "MessagePageSchema")
SearchPageSchema = page_schema(SearchHitSchema, "SearchPageSchema")
