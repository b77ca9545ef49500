"""What the domains' marshmallow schemas share (each domain's own are in its schemas.py)."""

from __future__ import annotations

from marshmallow import Schema, fields


class RecordSchema(Schema):
    """A stored row as the API dumps it: its id first, then the subclass's fields."""

    id = fields.Integer()
