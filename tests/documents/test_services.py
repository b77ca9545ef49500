"""The service functions other domains call: reading rules and attaching documents."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from exchange.documents import services
from exchange.errors import InvalidInput, NotFound, Unauthorized


def _store(user, data: bytes = b"Konzept\n", name: str = "konzept.txt"):
    return services.store_document(user, FileStorage(io.BytesIO(data), filename=name))


def test_store_and_read_back(ctx, make_user):
    user = make_user(role="official")
    document = _store(user)
    assert document.id and document.uploader_id == user.id
    assert services.get_readable(user, document.id) is document
    with services.open_content(document) as content:
        assert content.read() == b"Konzept\n"
    with pytest.raises(NotFound):
        services.thumbnail(document)


def test_reading_needs_a_signed_in_user(ctx, make_user):
    document = _store(make_user(role="official"))
    with pytest.raises(Unauthorized):
        services.get_readable(None, document.id)


def test_attachable_are_the_documents_one_may_read(ctx, make_user):
    owner, other = make_user(role="official"), make_user(role="official")
    mine = _store(owner, b"mine")
    theirs = _store(other, b"theirs")
    assert services.get_attachable(owner, [mine.id, mine.id]) == [mine]
    assert services.get_attachable(owner, []) == []
    with pytest.raises(InvalidInput) as raised:
        services.get_attachable(owner, [mine.id, theirs.id, 999999999])
    assert raised.value.source_errors == {  # English; .errors is in the request's language
        "json": {"document_ids": [f"Unknown document(s): {theirs.id}, 999999999."]}
    }


def test_readers_are_registered_once_and_can_be_withdrawn(ctx, make_user):
    owner, other = make_user(role="official"), make_user(role="official")
    document = _store(owner)

    def everyone(user, document_id):
        return True

    services.register_reader(everyone)
    services.register_reader(everyone)
    try:
        assert services.get_attachable(other, [document.id]) == [document]
    finally:
        services.unregister_reader(everyone)
    with pytest.raises(NotFound):
        services.get_readable(other, document.id)
