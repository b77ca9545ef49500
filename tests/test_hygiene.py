"""Input hygiene (exchange/hygiene.py): text PostgreSQL cannot hold, JSON nested without
end and forged cursors are refused with a 422 naming the field, and nothing is written;
an error never turns into an HTML page."""

from __future__ import annotations

from exchange.extensions import db
from exchange.pagination import encode_cursor
from exchange.profiles.models import User


def test_a_nul_byte_in_a_json_string_is_422_naming_the_field(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", json={"bio": "harmless\x00", "name": "Neu"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["bio"]
    user = db.session.get(User, client.user.id)
    assert (user.bio, user.name) == ("", client.user.name)


def test_a_nul_byte_deeper_in_the_body_names_its_path(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", json={"topics": ["Wohnen", "a\x00"]})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]["topics"]) == ["1"]


def test_a_lone_surrogate_in_a_json_string_is_422_naming_the_field(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", data='{"bio": "\\ud800"}',
                            content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"bio": ["Kein gültiger Unicode-Text."]}


def test_a_nul_byte_in_the_query_string_is_422_naming_the_parameter(as_user):
    client = as_user(role="official")
    for url in ("/api/v1/chat/search?q=%00", "/api/v1/concepts?q=a%00b",
                "/api/v1/organizations?q=%00"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert list(response.get_json()["errors"]["query"]) == ["q"], url


def test_a_nul_byte_on_an_anonymous_call_is_422(client):
    response = client.post("/api/v1/auth/login", json={"email": "someone@test.example",
                                                       "password": "secret\x00"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["password"]


def test_json_nested_100000_deep_is_422_not_500(as_user):
    client = as_user(role="official")
    body = '{"bio": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.patch("/api/v1/me", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"_schema": ["Zu tief verschachtelt."]}
    nested = {"bio": 1}
    for _ in range(40):
        nested = {"a": nested}
    response = client.patch("/api/v1/me", json=nested)
    assert response.status_code == 422
    assert response.mimetype == "application/json"


def test_cursors_beyond_their_columns_range_are_422(as_user):
    client = as_user(role="official")
    beyond_bigint = encode_cursor([2**70])
    beyond_id = encode_cursor([2**40])
    for url in (f"/api/v1/concepts?cursor={beyond_bigint}",
                f"/api/v1/concepts?q=plan&cursor={beyond_bigint}",
                f"/api/v1/concepts?cursor={beyond_id}",
                f"/api/v1/notifications?cursor={beyond_id}",
                f"/api/v1/organizations?cursor={beyond_id}"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert list(response.get_json()["errors"]["query"]) == ["cursor"], url


def test_an_unexpected_error_is_a_json_500_not_an_html_page(make_user, bearer, app,
                                                              monkeypatch):
    """A flush PostgreSQL refused left the session needing a rollback; the error answer
    then read the token user's locale through it and failed itself: an HTML 500."""
    from exchange.notifications import services

    def broken(user):  # a value the column cannot take, as the NUL bytes were
        user.phone = "0" * 100  # varchar(50)
        db.session.flush()

    monkeypatch.setattr(services, "mark_all_notifications_read", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)
    headers = bearer(make_user(role="official"))
    response = app.test_client().post("/api/v1/notifications/read-all", headers=headers)
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == 500


def test_a_nul_byte_in_an_uploaded_file_name_is_422_naming_the_file(as_user):
    import io

    from exchange.documents.models import Document

    client = as_user(role="official")
    before = db.session.scalar(db.select(db.func.count()).select_from(Document))
    response = client.post(
        "/api/v1/documents",
        data={"file": (io.BytesIO(b"plain text\n"), "note\x00.txt", "text/plain")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["files"]) == ["file"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == before
