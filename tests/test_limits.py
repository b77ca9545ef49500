"""Body limits: checked after it is known who asks and whether they may, before the body
is read. Each request here sends a body that counts what the server read of it."""

from __future__ import annotations

import pytest

MB = 1024 * 1024
BOUNDARY = "limits-test-boundary"


class CountingBody:
    """A multipart form with ``organization_id`` and one file of ``size`` zero bytes, made
    as it is read (never held) and counting what the server read of it."""

    def __init__(self, size: int, organization_id: int = 1) -> None:
        self.head = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"organization_id\"\r\n\r\n"
            f"{organization_id}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"registry.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0
        self.consumed = 0

    def read(self, n: int = -1) -> bytes:
        n = self.length - self.position if n is None or n < 0 else n
        out = bytearray()
        while n > 0 and self.position < self.length:
            at = self.position
            if at < len(self.head):
                piece = self.head[at:at + n]
            elif at < len(self.head) + self.size:
                piece = bytes(min(n, len(self.head) + self.size - at))
            else:
                piece = self.tail[at - len(self.head) - self.size:][:n]
            out += piece
            self.position += len(piece)
            self.consumed += len(piece)
            n -= len(piece)
        return bytes(out)

    # The test client measures the body by seeking to its end and back (reads nothing).
    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset + (self.length if whence == 2 else 0)
        return self.position


def post_body(client, path: str, body: CountingBody):
    return client.post(path, input_stream=body, content_length=body.length,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")


def test_a_landlords_large_import_is_refused_without_reading_it(as_user, make_org):
    # The import's limit (2 GiB) was raised for everyone signed in, before the role check:
    # a landlord's 40 MB were read in full (spooled to disk), then 404.
    body = CountingBody(40 * MB)
    response = post_body(as_user("landlord"), "/api/v1/registry/imports", body)
    assert body.consumed == 0
    assert response.status_code == 404  # no organisation of theirs keeps a registry
    # The admin of a landlord company holds a case role, in the wrong kind of organisation.
    body = CountingBody(40 * MB)
    company_admin = as_user("admin", org=make_org("landlord"))
    response = post_body(company_admin, "/api/v1/registry/imports", body)
    assert body.consumed == 0
    assert response.status_code == 403
    assert response.get_json()["message"] == (
        "Das Register importiert nur die Fallbearbeitung eines Landkreises, einer Gemeinde "
        "oder eines Trägers.")


def test_an_import_over_its_limit_is_413_from_the_content_length(
    app, as_user, make_org, monkeypatch
):
    monkeypatch.setitem(app.config, "REGISTRY_IMPORT_MAX_BYTES", 1 * MB)
    district = make_org("district")
    client = as_user("caseworker", org=district)
    body = CountingBody(2 * MB, district.id)
    response = post_body(client, "/api/v1/registry/imports", body)
    assert response.status_code == 413
    assert list(response.get_json()["errors"]["files"]) == ["file"]
    assert body.consumed == 0


def test_a_document_over_its_limit_is_413_from_the_content_length(app, as_user, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)
    client = as_user("official")
    body = CountingBody(200 * 1024)
    response = post_body(client, "/api/v1/documents", body)
    assert response.status_code == 413
    body_json = response.get_json()
    assert body_json["message"] == "Die Datei ist größer als die Obergrenze von 1000 Byte."
    assert body_json["errors"] == {"files": {"file": [body_json["message"]]}}
    assert body.consumed == 0


@pytest.mark.parametrize("path", ["/api/v1/documents", "/api/v1/registry/imports"])
def test_the_anonymous_get_401_without_their_body_being_read(client, path):
    # The upload's arguments were parsed (the body read, 20 MB) before login_required.
    body = CountingBody(20 * MB)
    response = post_body(client, path, body)
    assert response.status_code == 401
    assert body.consumed == 0


def test_small_anonymous_bodies_still_reach_the_sign_in(client, make_user):
    user = make_user(role="official")
    response = client.post("/api/v1/auth/login",
                           json={"email": user.email, "password": "wrong password"})
    assert response.status_code == 401
    assert response.get_json()["message"] != "Nicht angemeldet."
