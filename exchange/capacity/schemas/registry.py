"""Schemas of the registry's exchange with the state system: import, merging duplicates,
changes (exchange.capacity.api.registry)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from exchange.errors import localise
from exchange.pagination import list_schema
from exchange.profiles.schemas import VALID_ID
from exchange.schemas import RecordSchema
from exchange.spreadsheet_encoding import UTF8, UTF16, WINDOWS_1252

from .persons import RegistryPersonSchema


class ChangedPersonSchema(RegistryPersonSchema):
    """A person corrected here (dumps registry_changes.ChangedPerson)."""

    household_ref = fields.String(allow_none=True, metadata={"description": "as imported"})
    changed_at = fields.DateTime()


RegistryChangesSchema = list_schema(ChangedPersonSchema, "RegistryChangesSchema")


class LocalisedString(fields.String):
    """A message kept in English (or as a Text), dumped in the request's language."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(localise(value) if value is not None else None, attr, obj,
                                  **kwargs)


class ImportErrorSchema(Schema):
    row = fields.Integer(allow_none=True)
    field = fields.String(allow_none=True, metadata={
        "description": "the registry column (`family_name`), or `file`, `header`, `row`"})
    column = fields.String(allow_none=True, metadata={
        "description": "the column's header as the file writes it (`Familienname`)"})
    message = LocalisedString()


class ImportReportSchema(Schema):
    """What `POST /registry/imports` answers (200, or 422 with the rows in `errors`)."""

    import_id = fields.Integer(allow_none=True)
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    more_errors = fields.Integer()
    duplicates = fields.List(fields.Dict())
    sha256 = fields.String(allow_none=True)
    encoding = fields.String(
        validate=validate.OneOf([UTF8, WINDOWS_1252, UTF16]),
        metadata={"description": "the file's encoding as detected: a byte order mark, or "
                  "else the first bytes that are not ASCII (valid UTF-8 or Windows-1252); "
                  "a file of ASCII only is reported as UTF-8"},
    )
    bom = fields.Boolean(metadata={"description": "whether the file starts with a byte "
                                   "order mark"})
    delimiter = fields.String(metadata={"description": "`;`, `,` or a tab, as the header "
                                        "line holds most of"})


class RegistryImportSchema(RecordSchema):
    """One import of the registry (its log: no person data)."""

    status = fields.String(metadata={"description": "`running`, `done`, `rejected` (bad "
                                     "rows, nothing written) or `failed` (ended without an "
                                     "answer: a crash, a killed process; nothing written)"})
    dry_run = fields.Boolean()
    filename = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    rows_total = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    error_count = fields.Integer()
    duplicate_count = fields.Integer()


class RegistryImportsArgs(Schema):
    organization_id = fields.Integer(required=True, validate=VALID_ID)


class MergeArgs(Schema):
    other_id = fields.Integer(required=True, validate=VALID_ID)


class RegistryChangesArgs(Schema):
    organization_id = fields.Integer(required=True, validate=VALID_ID)
    since = fields.AwareDateTime(
        required=True,
        default_timezone=UTC,
        metadata={"description": "ISO 8601 date or time (UTC when no offset is given)"},
    )
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]))

    @pre_load
    def _date_as_midnight(self, data, **_: Any):
        since = data.get("since") if hasattr(data, "get") else None
        if isinstance(since, str) and len(since) == 10:
            data = {**data, "since": f"{since}T00:00:00"}
        return data
