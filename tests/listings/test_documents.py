"""Photos and documents on a listing: attaching through the documents domain, who may read
them (whoever sees the listing, nobody else), and the listing's answer."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings import attachments
from exchange.listings.models import ListingDocument
from tests.documents.samples import PDF_BYTES, image_bytes

PNG = image_bytes("PNG", (64, 48))
JPEG = image_bytes("JPEG", (80, 60))


pytestmark = pytest.mark.usefixtures("documents_dir")


def upload(client, data: bytes, filename: str) -> int:
    response = client.post(
        "/api/v1/documents",
        data={"file": (io.BytesIO(data), filename, "application/octet-stream")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def attach(client, listing_id: int, document_id: int, kind: str):
    return client.post(
        f"/api/v1/listings/{listing_id}/documents", json={"document_id": document_id, "kind": kind}
    )


def uploaded_and_attached(client, listing_id: int, data: bytes, filename: str,
                          kind: str = "photo") -> int:
    """A file uploaded and attached to the listing (both must succeed); its document id."""
    document_id = upload(client, data, filename)
    assert attach(client, listing_id, document_id, kind).status_code == 201
    return document_id


def attached_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ListingDocument))


@pytest.fixture
def landlord_with_listing(as_user, make_listing):
    """(client of a landlord, their published flat)"""
    client = as_user(role="landlord")
    return client, make_listing(owner=client.user)


def test_the_owner_attaches_photos_and_documents_and_the_listing_lists_them(
    landlord_with_listing,
):
    client, listing = landlord_with_listing
    photo = upload(client, PNG, "wohnzimmer.png")
    plan = upload(client, PDF_BYTES, "grundriss.pdf")
    second = upload(client, JPEG, "küche.jpg")

    response = attach(client, listing.id, photo, "photo")
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "id": photo, "filename": "wohnzimmer.png", "content_type": "image/png",
        "size": len(PNG), "has_thumbnail": True, "kind": "photo",
    }
    assert attach(client, listing.id, plan, "document").status_code == 201
    assert attach(client, listing.id, second, "photo").status_code == 201

    body = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert [p["id"] for p in body["photos"]] == [photo, second]  # in the order attached
    assert body["photos"][1] == {
        "id": second, "filename": "küche.jpg", "content_type": "image/jpeg",
        "size": len(JPEG), "has_thumbnail": True,
    }
    assert body["documents"] == [
        {"id": plan, "filename": "grundriss.pdf", "content_type": "application/pdf",
         "size": len(PDF_BYTES), "has_thumbnail": False}
    ]
    # Search pages stay lean: files only in a single listing's answer.
    page = client.get("/api/v1/listings", query_string={"status": "published"}).get_json()
    assert page["items"] and "photos" not in page["items"][0]


def test_whoever_sees_the_listing_reads_its_files_and_nobody_else(
    landlord_with_listing, as_user, make_org
):
    client, listing = landlord_with_listing
    photo = uploaded_and_attached(client, listing.id, PNG, "aussen.png")

    official = as_user(role="official")
    caseworker = as_user(role="caseworker")
    for viewer in (official, caseworker):
        assert viewer.get(f"/api/v1/documents/{photo}").status_code == 200
        thumbnail = viewer.get(f"/api/v1/documents/{photo}/thumbnail")
        assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
        content = viewer.get(f"/api/v1/documents/{photo}/content")
        assert content.status_code == 200 and content.data == PNG
        assert content.headers["X-Content-Type-Options"] == "nosniff"
        assert content.headers["Content-Disposition"].startswith("attachment;")

    # Another landlord sees only their own listings: neither the listing nor its photo.
    stranger = as_user(role="landlord")
    assert stranger.get(f"/api/v1/listings/{listing.id}").status_code == 404
    for path in ("", "/content", "/thumbnail"):
        assert stranger.get(f"/api/v1/documents/{photo}{path}").status_code == 404
    # Staff of an organisation that is not verified are not staff.
    unverified = as_user(role="official", org=make_org("municipality", verified=False))
    assert unverified.get(f"/api/v1/documents/{photo}/content").status_code == 404


def test_files_follow_the_listings_visibility(as_user, make_listing):
    owner = as_user(role="landlord")
    listing = make_listing(owner=owner.user, status="draft")
    photo = upload(owner, PNG, "entwurf.png")
    assert attach(owner, listing.id, photo, "photo").status_code == 201
    official = as_user(role="official")

    # A draft is the owner's side only.
    assert official.get(f"/api/v1/documents/{photo}").status_code == 404
    assert owner.post(f"/api/v1/listings/{listing.id}/publish").status_code == 200
    assert official.get(f"/api/v1/documents/{photo}").status_code == 200
    assert owner.post(f"/api/v1/listings/{listing.id}/withdraw").status_code == 200
    assert official.get(f"/api/v1/documents/{photo}").status_code == 404
    assert owner.get(f"/api/v1/documents/{photo}").status_code == 200


def test_colleagues_of_the_owning_organisation_manage_the_files(as_user, make_user, make_listing):
    official = make_user(role="official")
    organization = official.memberships[0].organization
    listing = make_listing(kind="beds", owner=official)
    colleague = as_user(role="official", org=organization)
    plan = upload(colleague, PDF_BYTES, "hausordnung.pdf")
    assert attach(colleague, listing.id, plan, "document").status_code == 201
    assert as_user(user=official).get(f"/api/v1/documents/{plan}").status_code == 200


def test_only_images_are_photos(landlord_with_listing):
    client, listing = landlord_with_listing
    plan = upload(client, PDF_BYTES, "grundriss.png")  # named like an image, it is a PDF
    response = attach(client, listing.id, plan, "photo")
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]["json"]
    response = attach(client, listing.id, plan, "video")
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]["json"]
    missing = client.post(f"/api/v1/listings/{listing.id}/documents", json={"document_id": plan})
    assert missing.status_code == 422 and "kind" in missing.get_json()["errors"]["json"]
    assert attached_count() == 0


def test_nobody_gains_a_file_by_attaching_its_id(landlord_with_listing, as_user):
    client, listing = landlord_with_listing
    other = as_user(role="official")
    secret = upload(other, PDF_BYTES, "intern.pdf")
    for document_id in (secret, 999_999):
        response = attach(client, listing.id, document_id, "document")
        assert response.status_code == 422
        assert "document_id" in response.get_json()["errors"]["json"]
    assert attached_count() == 0
    assert client.get(f"/api/v1/documents/{secret}").status_code == 404


def test_only_who_may_edit_the_listing_attaches(landlord_with_listing, as_user):
    client, listing = landlord_with_listing
    photo = upload(client, PNG, "a.png")
    official = as_user(role="official")  # sees the listing, may not edit it
    own = upload(official, PNG, "b.png")
    assert attach(official, listing.id, own, "photo").status_code == 403
    stranger = as_user(role="landlord")  # does not even see it
    assert attach(stranger, listing.id, upload(stranger, PNG, "c.png"), "photo").status_code == 404
    assert attach(client, listing.id, photo, "photo").status_code == 201
    assert official.delete(f"/api/v1/listings/{listing.id}/documents/{photo}").status_code == 403
    assert stranger.delete(f"/api/v1/listings/{listing.id}/documents/{photo}").status_code == 404
    assert attached_count() == 1


def test_a_file_is_attached_once_and_a_listing_holds_a_limited_number(
    landlord_with_listing, monkeypatch
):
    client, listing = landlord_with_listing
    first = uploaded_and_attached(client, listing.id, PNG, "1.png")
    again = attach(client, listing.id, first, "document")
    assert again.status_code == 409
    assert "document_id" in again.get_json()["errors"]["json"]

    monkeypatch.setattr(attachments, "MAX_LISTING_DOCUMENTS", 2)
    uploaded_and_attached(client, listing.id, JPEG, "2.jpg")
    full = attach(client, listing.id, upload(client, PDF_BYTES, "3.pdf"), "document")
    assert full.status_code == 409
    assert attached_count() == 2


def test_detaching_ends_the_viewers_access_but_not_the_uploaders(
    landlord_with_listing, as_user
):
    client, listing = landlord_with_listing
    photo = uploaded_and_attached(client, listing.id, PNG, "weg.png")
    official = as_user(role="official")
    assert official.get(f"/api/v1/documents/{photo}").status_code == 200

    assert client.delete(f"/api/v1/listings/{listing.id}/documents/{photo}").status_code == 204
    assert client.delete(f"/api/v1/listings/{listing.id}/documents/{photo}").status_code == 404
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["photos"] == []
    assert official.get(f"/api/v1/documents/{photo}").status_code == 404
    assert client.get(f"/api/v1/documents/{photo}/content").status_code == 200


def test_the_reader_answers_false_for_unknown_documents(make_user):
    user = make_user(role="official")
    assert attachments.listing_viewers_read_documents(user, 123_456_789) is False
