"""REST API of documents: upload, metadata, content, thumbnail (parse → service → dump).

Content goes out as an attachment with the type we detected, never sniffed by the browser
and never able to run script even if opened directly (CSP sandbox).
"""

from __future__ import annotations

from flask import Response, current_app, request, send_file
from flask_login import current_user, login_required

from exchange.documents import images, services, storage
from exchange.documents.schemas import DocumentSchema, UploadArgs
from exchange.openapi import api_blueprint, endpoint

blp = api_blueprint("documents", __name__, "Documents")

CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"
# Room for the multipart framing around the one file of an upload (boundaries, part
# headers with the file name): a body longer than DOCUMENT_MAX_BYTES plus this cannot hold
# a file within the limit.
MULTIPART_OVERHEAD = 64 * 1024


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict | None) -> None:
    # Refuse an oversized upload from its Content-Length, before anything reads the body:
    # URL value preprocessors run before every before_request hook (the CSRF check reads
    # forms) and before the view's argument parsing. The anonymous are left to the
    # application's limit for them (exchange/limits.py).
    if endpoint != "documents.upload" or not current_user.is_authenticated:
        return
    max_bytes = current_app.config["DOCUMENT_MAX_BYTES"]
    limit = max_bytes + MULTIPART_OVERHEAD
    if request.max_content_length is None or request.max_content_length > limit:
        request.max_content_length = limit
    if (request.content_length or 0) > limit:
        raise storage.file_too_large(max_bytes)
BINARY = {"type": "string", "format": "binary"}  # the document's schema of a file's bytes


@blp.post("/documents")
@blp.arguments(UploadArgs, location="files")
@blp.response(201, DocumentSchema)
@blp.alt_response(413, description="The file is larger than DOCUMENT_MAX_BYTES")
@blp.alt_response(415, description="The content is not of an allowed type")
@login_required
def upload(files: dict):
    """Upload a file (PDF, images, text, CSV, DOCX, XLSX, ODT, ODS; told by content)."""
    document = services.store_document(current_user, files["file"])
    return document


@endpoint(blp, "get", "/documents/<int:document_id>", 200, DocumentSchema)
def get_document(document_id: int):
    """A document's metadata (uploader, or whoever sees what it is attached to)."""
    return services.get_readable(current_user, document_id)


@blp.get("/documents/<int:document_id>/content")
@blp.response(200, BINARY, content_type="*/*",
              description="The bytes, as an attachment, with the stored content type")
@login_required
def get_content(document_id: int):
    """Download the document's bytes."""
    document = services.get_readable(current_user, document_id)
    response = send_file(
        services.open_content(document),
        mimetype=document.content_type,  # text/* gets "; charset=utf-8" from werkzeug
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        conditional=True,
    )
    return _protect(response)


@blp.get("/documents/<int:document_id>/thumbnail")
@blp.response(200, BINARY, content_type=images.THUMBNAIL_CONTENT_TYPE,
              description=f"A JPEG preview, at most {images.THUMBNAIL_MAX_PX} px; 404 if none")
@login_required
def get_thumbnail(document_id: int):
    """A small JPEG preview of an image document."""
    document = services.get_readable(current_user, document_id)
    response = send_file(
        services.thumbnail(document),
        mimetype=images.THUMBNAIL_CONTENT_TYPE,
        etag=document.thumbnail_sha256,
        conditional=True,
    )
    return _protect(response)


def _protect(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Access can be withdrawn: shared caches keep nothing, browsers revalidate (ETag).
    response.headers["Cache-Control"] = "private, no-cache"
    return response
