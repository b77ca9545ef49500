"""Marshmallow schemas of the notifications API: *Schema dumps, *Args loads."""

from __future__ import annotations

from marshmallow import Schema, fields

from exchange.pagination import ListArgs, page_schema
from exchange.schemas import RecordSchema


class NotificationSchema(RecordSchema):
    kind = fields.String()
    payload = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListArgs(ListArgs):
    unread = fields.Boolean(load_default=False)


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPageSchema")


class MarkedSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "how many were unread"})
