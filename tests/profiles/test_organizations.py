"""Organisations: creating them, the directory, members, join requests, public profiles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.pagination import encode_cursor
from exchange.profiles.models import Membership, Organization, User
from tests.conftest import PASSWORD


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _field_errors(response) -> dict:
    return response.get_json()["errors"]["json"]


# --- creating organisations --------------------------------------------------------------


@pytest.fixture
def admin_client(as_user):
    return as_user(admin=True)


@pytest.mark.parametrize("kind", ["state", "district", "municipality", "landlord", "provider"])
def test_platform_admin_creates_an_organisation_of_each_kind(admin_client, kind):
    response = admin_client.post("/api/v1/organizations", json={"name": f" Neu {kind} ",
                                                                 "kind": kind})
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == f"Neu {kind}" and body["kind"] == kind
    assert body["ags"] is None and body["parent_id"] is None and body["location"] is None
    assert admin_client.get(f"/api/v1/organizations/{body['id']}").get_json() == body


def test_created_organisation_keeps_ags_parent_and_location(admin_client, make_org):
    district = make_org("district", ags="03459")
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Stadt Bramsche", "kind": "municipality", "ags": "03459012",
        "parent_id": district.id, "location": {"lat": 52.4086, "lon": 7.9858}})
    assert response.status_code == 201
    body = response.get_json()
    assert body["ags"] == "03459012" and body["parent_id"] == district.id
    assert body["location"] == {"lat": 52.4086, "lon": 7.9858}


def test_unknown_kind_is_422_naming_kind(admin_client):
    before = _count(Organization)
    response = admin_client.post("/api/v1/organizations", json={"name": "X", "kind": "county"})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"kind"}
    assert _count(Organization) == before


@pytest.mark.parametrize("ags", ["0345", "03459a12", "034590120", "", "3 459"])
def test_malformed_ags_is_422_naming_ags(admin_client, ags):
    before = _count(Organization)
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Gemeinde", "kind": "municipality", "ags": ags})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"ags"}
    assert _count(Organization) == before


def test_missing_parent_is_422_naming_parent_id(admin_client):
    before = _count(Organization)
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Gemeinde", "kind": "municipality", "parent_id": 2_000_000_000})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"parent_id"}
    assert _count(Organization) == before


def test_duplicate_ags_is_409_and_creates_nothing(admin_client, make_org):
    make_org("district", ags="03459", name="Landkreis Osnabrück")
    before = _count(Organization)
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Landkreis Osnabrück (doppelt)", "kind": "district", "ags": "03459"})
    assert response.status_code == 409
    assert "ags" in _field_errors(response)
    assert _count(Organization) == before


@pytest.mark.parametrize(("location", "field"), [
    ({"lat": 91, "lon": 8}, "lat"),
    ({"lat": -90.5, "lon": 8}, "lat"),
    ({"lat": 52, "lon": 180.5}, "lon"),
    ({"lat": 52, "lon": -181}, "lon"),
])
def test_location_out_of_range_is_422_naming_the_field(admin_client, location, field):
    before = _count(Organization)
    response = admin_client.post("/api/v1/organizations", json={
        "name": "Gemeinde", "kind": "municipality", "location": location})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"location"}
    assert set(_field_errors(response)["location"]) == {field}
    assert _count(Organization) == before


def test_missing_name_and_kind_are_named(admin_client):
    response = admin_client.post("/api/v1/organizations", json={})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"name", "kind"}


# --- the directory -----------------------------------------------------------------------


@pytest.fixture
def directory(make_org, lower_saxony):
    return {**lower_saxony, "wohnbau": make_org("landlord", name="Wohnbau 100% Emsland_GmbH")}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_directory_lists_every_organisation_in_id_order(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    body = client.get("/api/v1/organizations").get_json()
    ids = [item["id"] for item in body["items"]]
    assert set(ids) >= {org.id for org in directory.values()}
    assert ids == sorted(ids)
    assert body["next_cursor"] is None


def test_directory_filters_by_kind(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    names = _names(client.get("/api/v1/organizations?kind=municipality"))
    assert names == ["Stadt Bramsche", "Stadt Melle", "Stadt Lingen (Ems)"]


def test_directory_filters_by_parent(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    names = _names(client.get(f"/api/v1/organizations?parent_id={directory['osnabrueck'].id}"))
    assert names == ["Stadt Bramsche", "Stadt Melle"]


def test_directory_search_ignores_case_and_combines_with_kind(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    assert _names(client.get("/api/v1/organizations?q=EMSLAND")) == [
        "Landkreis Emsland", "Wohnbau 100% Emsland_GmbH"]
    assert _names(client.get("/api/v1/organizations?q=emsland&kind=district")) == [
        "Landkreis Emsland"]


def test_directory_search_takes_percent_and_underscore_literally(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    assert _names(client.get("/api/v1/organizations?q=100%25")) == ["Wohnbau 100% Emsland_GmbH"]
    assert _names(client.get("/api/v1/organizations?q=d_G")) == ["Wohnbau 100% Emsland_GmbH"]
    assert _names(client.get("/api/v1/organizations?q=%25")) == ["Wohnbau 100% Emsland_GmbH"]


def test_directory_with_an_unknown_kind_is_422(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    response = client.get("/api/v1/organizations?kind=county")
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]["query"]


def test_directory_pages_with_limit_and_next_cursor(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    everything = [item["id"] for item in
                  client.get("/api/v1/organizations?limit=500").get_json()["items"]]
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/organizations?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    assert pages == -(-len(everything) // 3)


def test_filters_hold_across_pages(as_user, directory):
    client = as_user(role="official", org=directory["bramsche"])
    first = client.get("/api/v1/organizations?kind=municipality&limit=2").get_json()
    assert [i["name"] for i in first["items"]] == ["Stadt Bramsche", "Stadt Melle"]
    second = client.get(
        f"/api/v1/organizations?kind=municipality&limit=2&cursor={first['next_cursor']}"
    ).get_json()
    assert [i["name"] for i in second["items"]] == ["Stadt Lingen (Ems)"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("cursor", [
    "not-a-cursor", "!!!", encode_cursor([]), encode_cursor(["7"]), encode_cursor([1, 2]),
    encode_cursor([True]), encode_cursor([1.5]), encode_cursor([10**30]),
    "eyJhIjogMX0",  # {"a": 1}
])
def test_a_bad_cursor_is_422_naming_cursor(as_user, directory, cursor):
    client = as_user(role="official", org=directory["bramsche"])
    response = client.get(f"/api/v1/organizations?cursor={cursor}")
    assert response.status_code == 422, response.get_json()
    assert "cursor" in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("limit", ["0", "501", "-1", "many"])
def test_limit_outside_1_to_500_is_422(as_user, directory, limit):
    client = as_user(role="official", org=directory["bramsche"])
    response = client.get(f"/api/v1/organizations?limit={limit}")
    assert response.status_code == 422
    assert "limit" in response.get_json()["errors"]["query"]


# --- members -----------------------------------------------------------------------------


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_adding_a_new_email_invites_it_and_the_invitee_joins_by_accepting(
    app, as_user, make_org, login
):
    district = make_org("district")
    admin = as_user(role="admin", org=district)
    users_before = _count(User)
    response = admin.post(f"/api/v1/organizations/{district.id}/members", json={
        "email": "Nora.Neu@Test.example", "name": "Nora Neu", "role": "caseworker"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["email"], body["role"], body["mailed"]) == (
        "nora.neu@test.example", "caseworker", False)
    assert _count(User) == users_before  # nobody is a member before accepting
    newcomer = app.test_client()
    accepted = newcomer.post("/api/v1/invitations/accept", json={
        "token": _token(body["link"]), "name": "Nora Neu", "password": "a-long-password"})
    assert accepted.status_code == 201, accepted.get_json()
    new_user = db.session.scalar(select(User).where(User.email == "nora.neu@test.example"))
    login(newcomer, new_user, password="a-long-password")
    me = newcomer.get("/api/v1/me").get_json()
    assert me["memberships"] == [{"organization_id": district.id,
                                  "organization_name": district.name,
                                  "role": "caseworker", "status": "active"}]


def test_adding_an_existing_account_attaches_nothing_and_answers_like_a_new_email(
    as_user, make_org, make_user, login, client
):
    """Issue 12, point 2: POST .../members with an existing account's e-mail attached it
    without its consent (and told its name); disabling that membership then signed it out
    everywhere. Now it is an invitation the account may accept, answered like any other."""
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    existing = make_user(role="official", org=municipality, name="Olga Offiziell")
    platform_admin = make_user(admin=True, name="Paula Plattform")
    admin = as_user(role="admin", org=district)
    memberships_before = _count(Membership)
    new = admin.post(f"/api/v1/organizations/{district.id}/members", json={
        "email": "nobody-yet@test.example", "name": "X", "role": "official"}).get_json()
    for victim in (existing, platform_admin):
        response = admin.post(f"/api/v1/organizations/{district.id}/members", json={
            "email": victim.email.upper(), "name": "Ignored Name", "role": "official"})
        assert response.status_code == 201
        body = response.get_json()
        assert set(body) == set(new)
        assert {k: v for k, v in body.items() if k not in ("id", "email", "link", "expires_at")
                } == {k: v for k, v in new.items() if k not in ("id", "email", "link",
                                                                "expires_at")}
        assert victim.name not in response.get_data(as_text=True)
        assert str(victim.id) not in [str(v) for v in body.values()]
        # No membership to disable: the admin cannot touch the account.
        assert admin.patch(f"/api/v1/organizations/{district.id}/members/{victim.id}",
                           json={"status": "disabled"}).status_code == 404
    assert _count(Membership) == memberships_before
    # The account's owner decides: Olga accepts from her invitations and holds both roles.
    login(client, existing, password=PASSWORD)
    [invitation] = client.get("/api/v1/invitations").get_json()
    assert client.post(f"/api/v1/invitations/{invitation['id']}/accept").status_code == 200
    me = client.get("/api/v1/me").get_json()
    assert {(m["organization_id"], m["role"]) for m in me["memberships"]} == {
        (municipality.id, "official"), (district.id, "official")}


@pytest.mark.parametrize("role", ["official", "caseworker"])
def test_a_landlord_organisation_takes_only_admins_and_landlords(as_user, make_org, role):
    company = make_org("landlord")
    admin = as_user(role="admin", org=company)
    before = (_count(User), _count(Membership))
    response = admin.post(f"/api/v1/organizations/{company.id}/members", json={
        "email": "staff@test.example", "name": "Staff", "role": role})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"role"}
    assert (_count(User), _count(Membership)) == before
    for allowed in ("landlord", "admin"):
        response = admin.post(f"/api/v1/organizations/{company.id}/members", json={
            "email": f"{allowed}@test.example", "name": allowed, "role": allowed})
        assert response.status_code == 201


@pytest.mark.parametrize(
    "member",
    [
        # A public organisation takes no landlords.
        {"email": "vermieter@test.example", "name": "V", "role": "landlord"},
        # An unknown role.
        {"email": "x@test.example", "name": "X", "role": "mayor"},
    ],
    ids=["landlord_in_a_public_organisation", "unknown_role"],
)
def test_a_role_the_organisation_does_not_take_is_422_naming_role(as_user, make_org, member):
    district = make_org("district")
    admin = as_user(role="admin", org=district)
    response = admin.post(f"/api/v1/organizations/{district.id}/members", json=member)
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"role"}


def test_adding_a_member_twice_is_409_and_changes_nothing(as_user, make_org, make_user):
    district = make_org("district")
    member = make_user(role="caseworker", org=district)
    admin = as_user(role="admin", org=district)
    before = (_count(User), _count(Membership))
    response = admin.post(f"/api/v1/organizations/{district.id}/members", json={
        "email": member.email, "name": member.name, "role": "official"})
    assert response.status_code == 409
    assert (_count(User), _count(Membership)) == before
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == member.id)) == (
        "caseworker")


def test_adding_a_member_to_a_missing_organisation_is_404(as_user):
    admin = as_user(admin=True)
    response = admin.post("/api/v1/organizations/2000000000/members", json={
        "email": "x@test.example", "name": "X", "role": "official"})
    assert response.status_code == 404


def test_member_list_shows_active_members_only(as_user, make_org, make_user):
    district = make_org("district")
    active = make_user(role="official", org=district, name="Anna Aktiv")
    make_user(role="official", org=district, status="pending", name="Paul Pending")
    make_user(role="official", org=district, status="disabled", name="Dora Deaktiviert")
    client = as_user(role="official", org=make_org("district"))
    members = client.get(f"/api/v1/organizations/{district.id}/members").get_json()
    assert [(m["user_id"], m["name"]) for m in members] == [(active.id, "Anna Aktiv")]


# --- join requests -----------------------------------------------------------------------


def _register(client, organization_id: int, email: str = "neu@test.example") -> dict:
    """Register into an organisation; the new account's id and memberships (the answer
    tells neither: it is the same for a known e-mail)."""
    response = client.post("/api/v1/auth/register", json={
        "email": email, "password": "a-long-password", "name": "Nils Neu",
        "organization_id": organization_id})
    assert response.status_code == 202
    user = db.session.scalar(select(User).where(User.email == email))
    return {"id": user.id, "memberships": [{"status": m.status, "role": m.role}
                                           for m in user.memberships]}


def test_join_request_is_pending_until_the_org_admin_approves(
    app, client, as_user, make_org, login
):
    district = make_org("district")
    registered = _register(client, district.id)
    assert registered["memberships"][0]["status"] == "pending"

    newcomer = app.test_client()
    login(newcomer, db.session.get(User, registered["id"]), password="a-long-password")
    assert newcomer.get("/api/v1/me").get_json()["memberships"][0]["status"] == "pending"

    admin = as_user(role="admin", org=district)
    pending = admin.get(f"/api/v1/organizations/{district.id}/members?status=pending")
    assert [m["user_id"] for m in pending.get_json()] == [registered["id"]]

    approved = admin.post(
        f"/api/v1/organizations/{district.id}/members/{registered['id']}/approve")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "active"
    assert admin.get(f"/api/v1/organizations/{district.id}/members?status=pending").get_json() == []

    # The newcomer's running session sees the active role without logging in again.
    assert newcomer.get("/api/v1/me").get_json()["memberships"] == [
        {"organization_id": district.id, "organization_name": district.name,
         "role": "official", "status": "active"}]
    listed = admin.get(f"/api/v1/organizations/{district.id}/members").get_json()
    assert registered["id"] in [m["user_id"] for m in listed]


def test_join_request_for_a_landlord_company_asks_for_the_landlord_role(client, make_org):
    company = make_org("landlord")
    registered = _register(client, company.id)
    assert registered["memberships"][0]["role"] == "landlord"


def test_join_request_for_a_missing_organisation_is_422_and_creates_no_account(client):
    before = _count(User)
    response = client.post("/api/v1/auth/register", json={
        "email": "neu@test.example", "password": "a-long-password", "name": "N",
        "organization_id": 2_000_000_000})
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"organization_id"}
    assert _count(User) == before


def test_admin_of_another_organisation_cannot_approve(client, as_user, make_org):
    district = make_org("district")
    registered = _register(client, district.id)
    other_admin = as_user(role="admin", org=make_org("district"))
    response = other_admin.post(
        f"/api/v1/organizations/{district.id}/members/{registered['id']}/approve")
    assert response.status_code == 403
    status = db.session.scalar(select(Membership.status).where(
        Membership.user_id == registered["id"]))
    assert status == "pending"


def test_admin_of_the_district_above_cannot_approve_for_a_municipality(
    client, as_user, make_org
):
    # Administering a district is not administering its municipalities.
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    registered = _register(client, municipality.id)
    district_admin = as_user(role="admin", org=district)
    response = district_admin.post(
        f"/api/v1/organizations/{municipality.id}/members/{registered['id']}/approve")
    assert response.status_code == 403


def test_approving_someone_who_did_not_ask_is_404(as_user, make_org, make_user):
    district = make_org("district")
    stranger = make_user(role="official", org=make_org("district"))
    admin = as_user(role="admin", org=district)
    response = admin.post(f"/api/v1/organizations/{district.id}/members/{stranger.id}/approve")
    assert response.status_code == 404


def test_a_disabled_membership_cannot_be_approved(as_user, make_org, make_user):
    district = make_org("district")
    disabled = make_user(role="official", org=district, status="disabled")
    admin = as_user(role="admin", org=district)
    response = admin.post(f"/api/v1/organizations/{district.id}/members/{disabled.id}/approve")
    assert response.status_code == 409
    assert db.session.scalar(select(Membership.status).where(
        Membership.user_id == disabled.id)) == "disabled"


def test_a_pending_admin_cannot_approve_anyone(client, as_user, make_org, make_user):
    district = make_org("district")
    registered = _register(client, district.id)
    pending_admin = make_user(role="admin", org=district, status="pending")
    response = as_user(user=pending_admin).post(
        f"/api/v1/organizations/{district.id}/members/{registered['id']}/approve")
    assert response.status_code == 403


# --- public profiles ---------------------------------------------------------------------


def test_public_profile_shows_public_fields_only(as_user, make_org, make_user):
    district = make_org("district", name="Landkreis Osnabrück")
    other = make_org("district", name="Landkreis Emsland")
    person = make_user(role="official", org=district, name="Olga Offiziell",
                       email="olga@lk-os.example")
    db.session.add(Membership(user=person, organization=other, role="official",
                              status="pending"))
    person.bio, person.phone = "Zuständig für Unterbringung.", "+49 541 0000"
    person.languages, person.topics = ["de", "ar"], ["Wohnraum"]
    db.session.flush()
    viewer = as_user(role="landlord")
    response = viewer.get(f"/api/v1/users/{person.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "id": person.id, "name": "Olga Offiziell", "bio": "Zuständig für Unterbringung.",
        "languages": ["de", "ar"], "topics": ["Wohnraum"],
        "memberships": [{"organization_id": district.id,
                         "organization_name": "Landkreis Osnabrück", "role": "official"}],
    }
    assert "olga@lk-os.example" not in response.get_data(as_text=True)
    assert "+49 541 0000" not in response.get_data(as_text=True)


def test_public_profile_of_a_disabled_or_missing_user_is_404(as_user, make_user):
    gone = make_user(role="official")
    gone.disabled = True
    db.session.flush()
    viewer = as_user(role="official")
    assert viewer.get(f"/api/v1/users/{gone.id}").status_code == 404
    assert viewer.get("/api/v1/users/2000000000").status_code == 404


# --- ids the database cannot hold ---------------------------------------------------------

HUGE = 10**10  # beyond PostgreSQL's integer


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"/api/v1/organizations/{HUGE}"),
    ("GET", f"/api/v1/organizations/{HUGE}/members"),
    ("POST", f"/api/v1/organizations/{HUGE}/members/1/approve"),
    ("POST", "/api/v1/organizations/{org}/members/" + f"{HUGE}/approve"),
    ("GET", f"/api/v1/users/{HUGE}"),
    ("DELETE", f"/api/v1/auth/tokens/{HUGE}"),
])
def test_an_id_too_large_for_the_database_is_404(as_user, make_org, method, path):
    district = make_org("district")
    client = as_user(role="admin", org=district)
    response = client.open(path.format(org=district.id), method=method)
    assert response.status_code == 404


@pytest.mark.parametrize(("path", "body", "location", "field"), [
    ("/api/v1/organizations", {"name": "G", "kind": "municipality", "parent_id": HUGE},
     "json", "parent_id"),
    ("/api/v1/auth/register", {"email": "n@test.example", "password": "a-long-password",
                               "name": "N", "organization_id": HUGE},
     "json", "organization_id"),
])
def test_an_id_too_large_in_a_body_is_422_naming_it(as_user, path, body, location, field):
    client = as_user(admin=True)
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"][location]) == {field}


def test_a_parent_id_too_large_in_the_directory_query_is_422(as_user):
    client = as_user(role="official")
    response = client.get(f"/api/v1/organizations?parent_id={HUGE}")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["query"]) == {"parent_id"}


def test_member_list_shows_addresses_only_to_those_who_administer_it(
    as_user, make_org, make_user
):
    district = make_org("district")
    member = make_user(role="official", org=district, email="marta@lk.example")
    path = f"/api/v1/organizations/{district.id}/members"
    assert as_user(role="landlord").get(path).status_code == 404
    for outsider in (as_user(role="official", org=make_org()),
                     as_user(role="caseworker", org=district)):
        response = outsider.get(path)
        assert response.status_code == 200
        assert "marta@lk.example" not in response.get_data(as_text=True)
        # At most their own address, when they are a member themselves.
        assert all(m.get("email", outsider.user.email) == outsider.user.email
                   for m in response.get_json())
    for insider in (as_user(role="admin", org=district), as_user(admin=True),
                    as_user(user=member)):
        emails = [m.get("email") for m in insider.get(path).get_json()]
        assert "marta@lk.example" in emails
