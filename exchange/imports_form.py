"""The multipart form of a CSV import through the API (the registry, rent limits): its
body in the OpenAPI document, its file and the id field that names whose data it is."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.datastructures import FileStorage

from exchange.db import MAX_ID
from exchange.errors import InvalidUpload
from exchange.hygiene import text_problem


def import_body(file_description: str, id_field: str, **more: dict) -> dict[str, Any]:
    """The documented request body: the CSV ``file``, the required integer ``id_field``
    and the optional fields ``more``."""
    return {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "required": ["file", id_field],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": file_description},
            id_field: {"type": "integer", "minimum": 1},
            **more,
        },
    }}}}


def form_id(name: str) -> int | None:
    """The id in form field ``name`` (a positive 32-bit integer), else None."""
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def uploaded_csv() -> FileStorage:
    """The uploaded ``file``: a 4xx when there is none or its name is no text (the name is
    stored with the import's log)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidUpload("Choose a CSV file.")
    if problem := text_problem(upload.filename):
        raise InvalidUpload(problem)
    return upload
