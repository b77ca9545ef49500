"""Who may call what in accounts and organisations: one status code per role and call.

The target of every call is one district ("the organisation"). Its official, caseworker
and admin are members of it; the other admin administers a neighbouring district; the
landlord has an organisation of their own; the platform admin belongs to none.

Read the table as: a 401 means "log in first", a 403 "you are logged in but may not do
this", a 404 "no such thing (or none that you can reach)". Whatever the answer, a refused
call leaves the database as it was, and a read never changes it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.profiles.models import (
    ApiToken,
    Invitation,
    LoginSession,
    Membership,
    Organization,
    User,
)

ROLES = (
    "anonymous", "landlord", "official", "caseworker", "other_admin", "org_admin",
    "platform_admin",
)

# {org}: the target district; {missing}: an id no organisation has; {pending}: a user who
# asked to join the district; {member}: an active official of the district.
EXPECTED = {
    # call                                                anon landl offic casew other admin platf
    "POST /auth/logout":                                  (401, 204, 204, 204, 204, 204, 204),
    "GET /me":                                            (401, 200, 200, 200, 200, 200, 200),
    "PATCH /me":                                          (401, 200, 200, 200, 200, 200, 200),
    "POST /auth/tokens":                                  (401, 201, 201, 201, 201, 201, 201),
    "POST /organizations":                                (401, 403, 403, 403, 403, 403, 201),
    "GET /organizations":                                 (401, 200, 200, 200, 200, 200, 200),
    "GET /organizations/{org}":                           (401, 200, 200, 200, 200, 200, 200),
    "GET /organizations/{missing}":                       (401, 404, 404, 404, 404, 404, 404),
    "POST /organizations/{org}/members":                  (401, 403, 403, 403, 403, 201, 201),
    "POST /organizations/{org}/members/{pending}/approve": (401, 403, 403, 403, 403, 200, 200),
    "GET /organizations/{org}/members?status=pending":    (401, 403, 403, 403, 403, 200, 200),
    "GET /users/{member}":                                (401, 200, 200, 200, 200, 200, 200),
}

BODIES = {
    "PATCH /me": {"bio": "Seit Mai im Amt."},
    "POST /auth/tokens": {"name": "GIS"},
    "POST /organizations": {"name": "Gemeinde Neudorf", "kind": "municipality"},
    "POST /organizations/{org}/members": {
        "email": "nora.neu@test.example", "name": "Nora Neu", "role": "caseworker",
    },
}

MISSING_ID = 2_000_000_000


def _snapshot() -> dict[str, list[tuple]]:
    """Everything a call of this domain could change, as plain rows."""
    columns = {
        "organizations": (Organization.id, Organization.name, Organization.kind,
                          Organization.ags, Organization.parent_id, Organization.verified),
        "users": (User.id, User.email, User.name, User.password_hash, User.is_platform_admin,
                  User.disabled, User.bio, User.phone, User.languages, User.topics,
                  User.locale),
        "memberships": (Membership.id, Membership.user_id, Membership.organization_id,
                        Membership.role, Membership.status),
        "api_tokens": (ApiToken.id, ApiToken.user_id, ApiToken.name, ApiToken.revoked_at),
        "login_sessions": (LoginSession.id, LoginSession.user_id, LoginSession.ended_at),
        "invitations": (Invitation.id, Invitation.organization_id, Invitation.email,
                        Invitation.role, Invitation.revoked_at),
    }
    return {
        table: [tuple(row) for row in db.session.execute(select(*cols).order_by(cols[0]))]
        for table, cols in columns.items()
    }


@pytest.fixture
def world(make_org, make_user):
    district = make_org("district", name="Landkreis Ziel", ags="03459")
    neighbour = make_org("district", name="Landkreis Nachbar", ags="03454")
    actors = {
        "anonymous": None,
        "landlord": make_user(role="landlord"),
        "official": make_user(role="official", org=district),
        "caseworker": make_user(role="caseworker", org=district),
        "other_admin": make_user(role="admin", org=neighbour),
        "org_admin": make_user(role="admin", org=district),
        "platform_admin": make_user(admin=True),
    }
    return SimpleNamespace(
        district=district,
        actors=actors,
        member=make_user(role="official", org=district, name="Marta Mitglied"),
        pending=make_user(role="official", org=district, status="pending", name="Paul Pending"),
    )


def _request(client, call: str, world, headers: dict | None = None):
    method, template = call.split(" ", 1)
    path = "/api/v1" + template.format(
        org=world.district.id, missing=MISSING_ID, pending=world.pending.id,
        member=world.member.id,
    )
    return client.open(path, method=method, json=BODIES.get(call), headers=headers or {})


def _check(call: str, response, expected: int, before: dict, after: dict) -> None:
    assert response.status_code == expected, (call, response.get_json())
    if expected >= 400:
        assert "message" in response.get_json()
    is_write = not call.startswith("GET ")
    if is_write and expected < 400:
        assert after != before, f"{call} answered {expected} but changed nothing"
    else:
        assert after == before, f"{call} answered {expected} but changed the database"


CELLS = [
    pytest.param(call, role, codes[i], id=f"{role}-{call}")
    for call, codes in EXPECTED.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("call", "role", "expected"), CELLS)
def test_session_cookie(call, role, expected, world, client, as_user):
    actor = world.actors[role]
    if actor is not None:
        client = as_user(user=actor)
    before = _snapshot()
    response = _request(client, call, world)
    _check(call, response, expected, before, _snapshot())
    if expected < 300 and actor is not None and call != "POST /auth/logout":
        # The session is still the actor's after the call.
        assert client.get("/api/v1/me").get_json()["id"] == actor.id


BEARER_CALLS = (
    "GET /me",
    "PATCH /me",
    "POST /organizations",
    "GET /organizations/{org}",
    "GET /organizations/{missing}",
    "POST /organizations/{org}/members",
    "POST /organizations/{org}/members/{pending}/approve",
    "GET /users/{member}",
)

BEARER_CELLS = [
    pytest.param(call, role, EXPECTED[call][i], id=f"{role}-{call}")
    for call in BEARER_CALLS
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("call", "role", "expected"), BEARER_CELLS)
def test_bearer_token_gets_the_same_answers(call, role, expected, world, client, bearer):
    """Integrations send a token and no CSRF header; the anonymous row sends a bogus token."""
    actor = world.actors[role]
    headers = bearer(actor) if actor is not None else {"Authorization": "Bearer exc_bogus"}
    before = _snapshot()
    response = _request(client, call, world, headers=headers)
    _check(call, response, expected, before, _snapshot())


def test_the_table_covers_every_role_for_every_call():
    assert all(len(codes) == len(ROLES) for codes in EXPECTED.values())
