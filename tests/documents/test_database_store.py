"""DOCUMENTS_STORE=database (exchange/documents/database_store.py): the bytes live in
PostgreSQL, once per sha256, in 1 MiB chunks read one by one; nothing lands in the folder
and a refused upload leaves nothing."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from exchange.documents.models import DocumentBlob, DocumentBlobChunk
from exchange.extensions import db
from tests.documents.samples import PDF_BYTES, files_under, image_bytes


@pytest.fixture(autouse=True)
def _in_database(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_STORE", "database")


def upload(client, data: bytes, name: str):
    return client.post("/api/v1/documents", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def chunks(data: bytes) -> int:
    return db.session.scalar(select(func.count()).select_from(DocumentBlobChunk).where(
        DocumentBlobChunk.sha256 == hashlib.sha256(data).hexdigest()))


def test_a_large_file_is_stored_in_chunks_and_read_back_whole(as_user, documents_dir):
    client = as_user(role="official")
    data = ("Name;Zimmer;Betten\n" + "Turnhalle Nord;1;24\n" * 140_000).encode()  # ~2.8 MB
    answer = upload(client, data, "belegung.csv")
    assert answer.status_code == 201, answer.json
    assert chunks(data) == 3
    content = client.get(f"/api/v1/documents/{answer.json['id']}/content")
    assert content.status_code == 200 and content.data == data
    assert [p for p in files_under(documents_dir) if ".tmp" not in p.parts] == []


def test_the_same_bytes_are_stored_once(as_user):
    client = as_user(role="official")
    first, second = upload(client, PDF_BYTES, "a.pdf"), upload(client, PDF_BYTES, "b.pdf")
    assert first.json["id"] != second.json["id"]
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 1
    assert chunks(PDF_BYTES) == 1


def test_an_image_and_its_thumbnail_come_from_the_database(as_user):
    client = as_user(role="official")
    document = upload(client, image_bytes("PNG", (400, 300)), "foto.png").json
    assert document["has_thumbnail"] is True
    thumbnail = client.get(f"/api/v1/documents/{document['id']}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.data.startswith(b"\xff\xd8")
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 2
    # Unchanged content: 304 from the ETag, as with the folder.
    again = client.get(f"/api/v1/documents/{document['id']}/content",
                       headers={"If-None-Match": f'"{document["sha256"]}"'})
    assert again.status_code == 304


def test_a_refused_upload_leaves_no_bytes(as_user):
    client = as_user(role="official")
    refused = upload(client, b"\x7fELF" + b"\0" * 64, "programm")
    assert refused.status_code == 415
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 0


def test_another_users_document_is_not_readable(as_user):
    owner, stranger = as_user(role="official"), as_user(role="landlord")
    document = upload(owner, PDF_BYTES, "intern.pdf").json
    assert stranger.get(f"/api/v1/documents/{document['id']}/content").status_code == 404
