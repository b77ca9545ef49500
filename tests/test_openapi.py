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
    "/api/v1/me/memberships/{organization_id}": {"patch"},
    "/api/v1/directory": {"get"},
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



# --- the document as third-party clients read it (issue 11) ----------------------------------

ANONYMOUS = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/2fa/setup"),
    ("post", "/api/v1/auth/2fa/confirm"),
    ("post", "/api/v1/auth/2fa"),
    ("post", "/api/v1/invitations/accept"),
}
WRITES = {"post", "put", "patch", "delete"}


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                parameters = item.get("parameters", []) + operation.get("parameters", [])
                yield method, path, operation, parameters


def test_openapi_spec_validator_accepts_the_document(spec):
    from openapi_spec_validator import validate

    validate(spec)  # raises with every error it finds


def test_numbers_in_the_document_are_numbers(spec):
    """Decimal bounds (rooms, area_m2, rent_cold, max_rent…) were written as '1000000.00'."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                           "multipleOf"}:
                    found.append((where, key, value))
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(spec, "#")
    assert found
    wrong = [entry for entry in found if isinstance(entry[2], str | bool)]
    assert not wrong, wrong
    filters = spec["components"]["schemas"]["FilterArgs"]["properties"]
    assert filters["max_rent"]["maximum"] == 1_000_000
    search = spec["paths"]["/api/v1/listings"]["get"]["parameters"]
    max_rent = next(p for p in search if p["name"] == "max_rent")["schema"]
    assert (max_rent["type"], max_rent["minimum"], max_rent["maximum"]) == ("number", 0, 1000000)
    # Money in answers stays a decimal string (clients rely on it) and is described so.
    rent = spec["components"]["schemas"]["Listing"]["properties"]["rent_cold"]
    assert (rent["type"], rent["format"]) == ("string", "decimal")


def test_every_operation_is_complete(spec):
    """The rules of exchange/openapi.py over the whole document: a new route that misses
    one fails here."""
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["session"] == {"type": "apiKey", "in": "cookie", "name": "session"}
    assert spec["security"] == [{"bearer": []}, {"session": []}]
    ids = set()
    anonymous = set()
    for method, path, operation, parameters in _operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("operationId"), where
        assert operation["operationId"] not in ids, where
        ids.add(operation["operationId"])
        responses = operation["responses"]
        if operation.get("security") == []:
            anonymous.add((method, path))
        else:
            assert "security" not in operation, where  # the document's: bearer or session
            assert {"401", "403"} <= set(responses), where
            if method in WRITES:
                assert "409" in responses, where
                csrf = [p for p in parameters if p.get("name") == "X-CSRFToken"]
                assert csrf and csrf[0]["in"] == "header", where
        if any(p.get("in") == "path" for p in parameters):
            assert "404" in responses, where
        if parameters or "requestBody" in operation:
            assert "422" in responses, where
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), where
        successes = {s: r for s, r in responses.items() if s.startswith("2")}
        assert successes, where
        for status, answer in successes.items():
            if status == "204":
                assert "content" not in answer, where
                continue
            assert answer.get("content"), (where, status)
            for media_type, body in answer["content"].items():
                assert body.get("schema"), (where, status, media_type)
    assert anonymous == ANONYMOUS


def test_files_csv_and_geojson_are_described_with_their_media_types(spec):
    paths = spec["paths"]
    content = paths["/api/v1/documents/{document_id}/content"]["get"]["responses"]["200"]
    assert content["content"]["*/*"]["schema"] == {"type": "string", "format": "binary"}
    thumbnail = paths["/api/v1/documents/{document_id}/thumbnail"]["get"]["responses"]["200"]
    assert thumbnail["content"]["image/jpeg"]["schema"]["format"] == "binary"
    changes = paths["/api/v1/registry/changes"]["get"]["responses"]["200"]["content"]
    assert set(changes) == {"application/json", "text/csv"}
    search = paths["/api/v1/listings"]["get"]["responses"]["200"]["content"]
    assert set(search) == {"application/json", "application/geo+json"}
    upload = paths["/api/v1/registry/imports"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"


def test_what_the_document_says_about_signing_in_holds(spec, client):
    """Every call not declared anonymous answers 401 without credentials; the anonymous
    ones do not ask for them (they answer about their input instead)."""
    for method, path, operation, _parameters in _operations(spec):
        url = re.sub(r"{[^}]+}", "1", path)
        response = client.open(url, method=method.upper(), json={} if method in WRITES
                               else None)
        if operation.get("security") == []:
            assert response.status_code != 401 or "401" in operation["responses"], url
            assert response.status_code in (400, 401, 404, 422), (method, url)
        elif response.status_code != 401:
            # Arguments are parsed before the sign-in is checked: an empty body may be 422.
            assert response.status_code == 422, (method, url, response.status_code)
            assert "requestBody" in operation or operation.get("parameters"), (method, url)
        assert response.mimetype == "application/json", (method, url)
