"""Uploading, reading and downloading documents through the API."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from exchange.documents import services
from exchange.documents.models import Document
from exchange.extensions import db
from tests.documents.samples import (
    ELF_BYTES,
    HTML_BYTES,
    PDF_BYTES,
    PE_BYTES,
    blank_png,
    files_under,
    image_bytes,
)


def upload(client, data: bytes, filename: str = "upload.bin",
           content_type: str = "application/octet-stream", headers: dict | None = None):
    return client.post(
        "/api/v1/documents",
        data={"file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def document_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


@pytest.fixture
def reader():
    """reader(fn) registers a reader for the test and withdraws it afterwards."""
    registered = []

    def register(check):
        registered.append(services.register_reader(check))
        return check

    yield register
    for check in registered:
        services.unregister_reader(check)


def test_upload_and_download_round_trip(as_user):
    client = as_user(role="official")
    response = upload(client, PDF_BYTES, "Unterbringungskonzept März.pdf", "application/pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == "Unterbringungskonzept März.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF_BYTES)
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["has_thumbnail"] is False and body["created_at"]
    row = db.session.get(Document, body["id"])
    assert row.uploader_id == client.user.id

    assert client.get(f"/api/v1/documents/{body['id']}").get_json() == body

    content = client.get(f"/api/v1/documents/{body['id']}/content")
    assert content.status_code == 200
    assert content.data == PDF_BYTES
    assert content.mimetype == "application/pdf"
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert content.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = content.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Unterbringungskonzept%20M%C3%A4rz.pdf" in disposition
    assert "private" in content.headers["Cache-Control"]


def test_unchanged_content_answers_304(as_user):
    client = as_user(role="official")
    document_id = upload(client, PDF_BYTES, "a.pdf").get_json()["id"]
    first = client.get(f"/api/v1/documents/{document_id}/content")
    again = client.get(f"/api/v1/documents/{document_id}/content",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_text_is_sent_as_utf8(as_user):
    client = as_user(role="official")
    text = "Öffnungszeiten: Mo–Fr 8–16 Uhr\n".encode()
    document_id = upload(client, text, "info.txt", "text/plain").get_json()["id"]
    content = client.get(f"/api/v1/documents/{document_id}/content")
    assert content.data == text
    assert content.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_same_bytes_twice_make_two_rows_and_one_file(as_user, documents_dir):
    client = as_user(role="official")
    first = upload(client, b"Protokoll der Sitzung\n", "eins.txt").get_json()
    second = upload(client, b"Protokoll der Sitzung\n", "zwei.txt").get_json()
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert [first["filename"], second["filename"]] == ["eins.txt", "zwei.txt"]
    assert len(files_under(documents_dir)) == 1


def test_the_type_comes_from_the_content_not_the_name(as_user):
    client = as_user(role="official")
    response = upload(client, image_bytes("PNG"), "scan.pdf", "application/pdf")
    assert response.status_code == 201
    body = response.get_json()
    assert body["content_type"] == "image/png"
    assert body["filename"] == "scan.pdf.png"
    assert body["has_thumbnail"] is True
    content = client.get(f"/api/v1/documents/{body['id']}/content")
    assert content.mimetype == "image/png"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (ELF_BYTES, "tool.pdf"),
        (PE_BYTES, "setup.pdf"),
        (HTML_BYTES, "angebot.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"not an image" * 10, "photo.png"),
    ],
)
def test_refused_types_are_415_and_write_nothing(as_user, documents_dir, data, filename):
    client = as_user(role="official")
    before = document_count()
    response = upload(client, data, filename, "application/pdf")
    assert response.status_code == 415
    body = response.get_json()
    assert "file" in body["errors"]["files"]
    assert "nicht angenommen" in body["message"] or "nicht gelesen" in body["message"]
    assert document_count() == before
    assert files_under(documents_dir) == []


def test_over_the_limit_is_413_and_writes_nothing(app, as_user, documents_dir, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)
    client = as_user(role="official")
    before = document_count()
    response = upload(client, b"x" * 5000, "big.txt", "text/plain")
    assert response.status_code == 413
    body = response.get_json()
    assert body["message"] == "Die Datei ist größer als die Obergrenze von 1000 Byte."
    assert body["errors"] == {"files": {"file": [body["message"]]}}
    assert document_count() == before
    assert files_under(documents_dir) == []
    assert upload(client, b"x" * 1000, "fits.txt", "text/plain").status_code == 201


def test_an_image_bomb_is_422_on_the_file_and_writes_nothing(as_user, documents_dir):
    # Any account may upload: 336 KB of PNG that would take 650 MB to decode.
    client = as_user(role="landlord")
    before = document_count()
    response = upload(client, blank_png(9300, 9300, "RGBA"), "grundriss.png", "image/png")
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"] == {"files": {"file": [body["message"]]}}
    assert "9300 × 9300" in body["message"] and "Megapixel" in body["message"]
    assert document_count() == before
    assert files_under(documents_dir) == []


def test_empty_or_missing_file_is_422(as_user, documents_dir):
    client = as_user(role="official")
    empty = upload(client, b"", "leer.txt")
    assert empty.status_code == 422
    assert empty.get_json()["errors"] == {"files": {"file": ["Die Datei ist leer."]}}
    missing = client.post("/api/v1/documents", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "file" in missing.get_json()["errors"]["files"]
    assert files_under(documents_dir) == []


def test_images_get_a_thumbnail_of_at_most_320_px(as_user, documents_dir):
    client = as_user(role="official")
    body = upload(client, image_bytes("JPEG", (1200, 800)), "Grundriss.jpg").get_json()
    assert body["has_thumbnail"] is True
    response = client.get(f"/api/v1/documents/{body['id']}/thumbnail")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    thumbnail = Image.open(io.BytesIO(response.data))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 320
    row = db.session.get(Document, body["id"])
    assert (documents_dir / row.thumbnail_sha256[:2] / row.thumbnail_sha256[2:4]
            / row.thumbnail_sha256).is_file()


def test_the_same_image_again_reuses_its_thumbnail(as_user, documents_dir):
    client = as_user(role="official")
    data = image_bytes("PNG", (500, 500))
    first = upload(client, data, "a.png").get_json()
    second = upload(client, data, "b.png").get_json()
    rows = [db.session.get(Document, d["id"]) for d in (first, second)]
    assert rows[0].thumbnail_sha256 == rows[1].thumbnail_sha256 is not None
    assert len(files_under(documents_dir)) == 2  # the image and its thumbnail


def test_no_thumbnail_for_other_types_is_404(as_user):
    client = as_user(role="official")
    document_id = upload(client, PDF_BYTES, "a.pdf").get_json()["id"]
    assert client.get(f"/api/v1/documents/{document_id}/thumbnail").status_code == 404


def test_others_cannot_read_an_unattached_document(as_user):
    owner = as_user(role="official")
    document_id = upload(owner, image_bytes("PNG"), "privat.png").get_json()["id"]
    stranger = as_user(role="official")
    for suffix in ("", "/content", "/thumbnail"):
        response = stranger.get(f"/api/v1/documents/{document_id}{suffix}")
        assert response.status_code == 404
    # the same answer as for an id that does not exist
    assert stranger.get("/api/v1/documents/999999999").get_json() == stranger.get(
        f"/api/v1/documents/{document_id}").get_json()


def test_a_registered_reader_can_let_others_read(as_user, reader):
    owner = as_user(role="official")
    document_id = upload(owner, image_bytes("PNG"), "geteilt.png").get_json()["id"]
    colleague = as_user(role="official")
    stranger = as_user(role="official")
    calls = []

    @reader
    def attached_to_a_room_of_the_colleague(user, checked_id):
        calls.append((user.id, checked_id))
        return user.id == colleague.user.id and checked_id == document_id

    for suffix in ("", "/content", "/thumbnail"):
        assert colleague.get(f"/api/v1/documents/{document_id}{suffix}").status_code == 200
        assert stranger.get(f"/api/v1/documents/{document_id}{suffix}").status_code == 404
    assert (colleague.user.id, document_id) in calls

    services.unregister_reader(attached_to_a_room_of_the_colleague)
    assert colleague.get(f"/api/v1/documents/{document_id}").status_code == 404


def test_anonymous_is_401(client, as_user):
    owner = as_user(role="official")
    document_id = upload(owner, PDF_BYTES, "a.pdf").get_json()["id"]
    for suffix in ("", "/content", "/thumbnail"):
        assert client.get(f"/api/v1/documents/{document_id}{suffix}").status_code == 401
    refused = upload(client, PDF_BYTES, "a.pdf", headers={"Authorization": "Bearer exc_bogus"})
    assert refused.status_code == 401


def test_integrations_upload_with_an_api_token_without_csrf(app, make_user, bearer):
    user = make_user(role="official")
    headers = bearer(user)
    anonymous = app.test_client()
    response = upload(anonymous, PDF_BYTES, "import.pdf", headers=headers)
    assert response.status_code == 201
    assert db.session.get(Document, response.get_json()["id"]).uploader_id == user.id


def test_the_upload_is_described_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/documents"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "413", "415"} <= set(operation["responses"])
