"""Marshmallow schemas of the documents domain: *Schema dumps, *Args loads."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from exchange.schemas import RecordSchema


class DocumentSchema(RecordSchema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    has_thumbnail = fields.Function(lambda document: document.thumbnail_sha256 is not None)


class UploadArgs(Schema):
    file = Upload(required=True, metadata={"description": "The file (multipart/form-data)."})
