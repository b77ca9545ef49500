"""The published API description and the answers to bodies that cannot be used."""

from __future__ import annotations

import re

import pytest

from exchange.extensions import db
from exchange.profiles.models import User

PROFILES_PATHS = {
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/tokens": {"get", "post"},
    "/api/v1/auth/tokens/{token_id}": {"delete"},
    "/api/v1/me": {"get", "patch"},
    "/api/v1/users/{user_id}": {"get"},
    "/api/v1/organizations": {"get", "post"},
    "/api/v1/organizations/{organization_id}": {"get"},
    "/api/v1/organizations/{organization_id}/members": {"get", "post"},
    "/api/v1/organizations/{organization_id}/members/{user_id}/approve": {"post"},
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(spec: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        assert part in node, f"dangling $ref {ref}"
        node = node[part]
    return node


def test_openapi_document_is_well_formed_openapi_3(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"]
    assert set(spec["components"]["securitySchemes"]) >= {"bearer", "session"}
    for path, item in spec["paths"].items():
        assert path.startswith("/api/v1/"), path
        placeholders = set(re.findall(r"{([^}]+)}", path))
        operations = {m: op for m, op in item.items() if m in METHODS}
        assert operations, path
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation["responses"], where
            for status, answer in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d|default", status), where
                if "$ref" in answer:
                    answer = _resolve(spec, answer["$ref"])
                assert "description" in answer, (where, status)
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            in_path = {p["name"] for p in parameters if p.get("in") == "path"}
            assert in_path == placeholders, where
            assert all(p["required"] for p in parameters if p.get("in") == "path"), where
    for ref in _refs(spec):
        _resolve(spec, ref)


def test_openapi_lists_every_call_of_accounts_and_organisations(spec):
    for path, methods in PROFILES_PATHS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), path
    ids = spec["paths"]["/api/v1/organizations/{organization_id}"]["parameters"]
    assert ids[0]["schema"]["type"] == "integer"


def test_openapi_describes_request_bodies_and_answers(spec):
    create = spec["paths"]["/api/v1/organizations"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    body = _resolve(spec, body["$ref"]) if "$ref" in body else body
    assert {"name", "kind", "ags", "parent_id"} <= set(body["properties"])
    assert set(body["required"]) == {"name", "kind"}
    assert "201" in create["responses"]


def test_api_docs_redirect_to_a_swagger_ui_that_loads(client):
    response = client.get("/api/docs")
    assert response.status_code in (301, 302, 303, 307, 308)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content_length or answer.get_data(), asset
        answer.close()


def test_unreadable_json_is_400_and_changes_nothing(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", data='{"bio": "half', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"]
    assert db.session.get(User, client.user.id).bio == ""


def test_unreadable_json_on_an_anonymous_call_is_400(client):
    response = client.post("/api/v1/auth/login", data="{email:", content_type="application/json")
    assert response.status_code == 400


def test_an_unknown_field_is_422_naming_it_and_changes_nothing(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", json={"bio": "Neu", "email": "mine@test.example",
                                                "is_platform_admin": True})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"email", "is_platform_admin"}
    user = db.session.get(User, client.user.id)
    assert (user.bio, user.is_platform_admin) == ("", False)
    assert user.email != "mine@test.example"


def test_a_body_that_is_not_an_object_is_422(as_user):
    client = as_user(role="official")
    response = client.patch("/api/v1/me", json=["bio"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]

