"""Member administration: invitations by e-mail, join requests approved or rejected, roles
changed, members disabled (sessions, tokens and sockets stop at once), the admin page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings import events as listing_events
from exchange.notifications.models import Notification
from exchange.profiles.models import Invitation, LoginSession, Membership, User
from tests.conftest import PASSWORD, hears, own_app_context


@pytest.fixture
def district(make_org):
    return make_org("district", name="Landkreis Osnabrück")


@pytest.fixture
def admin(as_user, make_user, district):
    """A signed-in admin of the district (with TOTP set up by the login fixture)."""
    return as_user(user=make_user(role="admin", org=district, name="Petra Kreis"))


def _notifications(user_id: int, kind: str) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    ))


def _token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


# --- invitations -------------------------------------------------------------------------


def test_invitation_without_smtp_shows_the_link_and_stores_only_its_hash(admin, district):
    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": "Neu@Test.example", "role": "official"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "neu@test.example" and body["role"] == "official"
    assert body["mailed"] is False and body["invited_by"] == "Petra Kreis"
    assert re.fullmatch(r"http://localhost/invitations/[\w-]{40,}", body["link"])
    invitation = db.session.get(Invitation, body["id"])
    assert _token_of(body["link"]) not in invitation.token_hash
    week = utcnow() + timedelta(days=7)
    assert week - timedelta(minutes=1) < invitation.expires_at <= week
    listed = admin.get(f"/api/v1/organizations/{district.id}/invitations").get_json()
    assert [i["id"] for i in listed] == [body["id"]] and "link" not in listed[0]


def test_accepting_creates_the_account_activates_the_membership_and_signs_in(
    app, admin, district
):
    link = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                      json={"email": "neu@test.example", "role": "official"}).get_json()["link"]
    guest = app.test_client()
    response = guest.post("/api/v1/invitations/accept", json={
        "token": _token_of(link), "name": "Nina Neu", "password": "a-long-password"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user"]["name"] == "Nina Neu"
    assert body["user"]["memberships"] == [{"organization_id": district.id,
                                            "organization_name": district.name,
                                            "role": "official", "status": "active"}]
    guest.csrf_token = body["csrf_token"]
    assert guest.get("/api/v1/me").status_code == 200
    # The link works once.
    again = app.test_client().post("/api/v1/invitations/accept", json={
        "token": _token_of(link), "name": "X", "password": "a-long-password"})
    assert again.status_code == 404
    assert admin.get(f"/api/v1/organizations/{district.id}/invitations").get_json() == []


def test_a_caseworker_accepting_an_invitation_must_set_up_totp_first(app, admin, district):
    link = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                      json={"email": "case@test.example", "role": "caseworker"}
                      ).get_json()["link"]
    guest = app.test_client()
    body = guest.post("/api/v1/invitations/accept", json={
        "token": _token_of(link), "name": "Carl Case", "password": "a-long-password"}
    ).get_json()
    assert body["second_factor"] == "enroll"
    assert guest.get("/api/v1/me").status_code == 401


def test_expired_revoked_and_replaced_links_do_not_work(app, admin, district):
    def invite(email):
        return admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": email, "role": "official"}).get_json()

    def accept(link):
        return app.test_client().post("/api/v1/invitations/accept", json={
            "token": _token_of(link), "name": "N", "password": "a-long-password"}).status_code

    expired = invite("old@test.example")
    db.session.execute(update(Invitation).where(Invitation.id == expired["id"])
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert accept(expired["link"]) == 404

    revoked = invite("gone@test.example")
    assert admin.delete(f"/api/v1/organizations/{district.id}/invitations/{revoked['id']}"
                        ).status_code == 204
    assert accept(revoked["link"]) == 404

    first = invite("twice@test.example")
    second = invite("twice@test.example")
    assert accept(first["link"]) == 404
    assert accept(second["link"]) == 201


def test_an_existing_account_is_notified_and_accepts_with_its_password(
    app, admin, district, make_user, login
):
    user = make_user(role="official", name="Olga")
    body = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                      json={"email": user.email, "role": "official"}).get_json()
    [notice] = _notifications(user.id, "invitation")
    assert notice.payload["organization_name"] == district.name
    assert notice.payload["invitation_id"] == body["id"]

    wrong = app.test_client().post("/api/v1/invitations/accept", json={
        "token": _token_of(body["link"]), "password": "not-her-password"})
    assert wrong.status_code == 422 and "password" in wrong.get_json()["errors"]["json"]

    client = login(app.test_client(), user)
    assert [i["id"] for i in client.get("/api/v1/invitations").get_json()] == [body["id"]]
    accepted = client.post(f"/api/v1/invitations/{body['id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    assert client.post(f"/api/v1/invitations/{body['id']}/accept").status_code == 404


def test_someone_elses_invitation_cannot_be_accepted_by_id(app, admin, district, as_user):
    body = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                      json={"email": "someone@test.example", "role": "official"}).get_json()
    stranger = as_user(role="official")
    assert stranger.post(f"/api/v1/invitations/{body['id']}/accept").status_code == 404


def test_invitation_with_smtp_is_mailed_and_the_link_not_shown(admin, district, smtp_server):
    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": "mail@test.example", "role": "official"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["mailed"] is True and "link" not in body
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "mail@test.example"
    assert district.name in message["Subject"]
    text = message.get_content()
    assert "Petra Kreis" in text and re.search(r"/invitations/[\w-]{40,}", text)


def test_invitation_mail_is_in_the_language_of_an_existing_account(
    admin, district, smtp_server, make_user
):
    english = make_user(role="official", email="eng@test.example")
    english.locale = "en"
    db.session.flush()
    for address in ("eng@test.example", "new@test.example"):
        response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                              json={"email": address, "role": "official"})
        assert response.status_code == 201
    first, second = smtp_server.wait_for(2)
    by_address = {message["To"]: message for message in (first, second)}
    assert by_address["eng@test.example"]["Subject"].startswith("Invitation to")
    assert by_address["new@test.example"]["Subject"].startswith("Einladung")  # the default


def test_only_admins_invite_and_roles_must_fit_the_organisation(
    as_user, admin, district, make_org
):
    official = as_user(role="official", org=district)
    assert official.post(f"/api/v1/organizations/{district.id}/invitations",
                         json={"email": "x@test.example", "role": "official"}).status_code == 403
    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": "x@test.example", "role": "landlord"})
    assert response.status_code == 422 and "role" in response.get_json()["errors"]["json"]
    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": "nope", "role": "official"})
    assert response.status_code == 422 and "email" in response.get_json()["errors"]["json"]


def test_inviting_an_active_member_is_409(admin, district, make_user):
    member = make_user(role="official", org=district)
    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": member.email, "role": "official"})
    assert response.status_code == 409


# --- join requests -----------------------------------------------------------------------


def test_approving_notifies_the_member_live(app, admin, district, make_user, login,
                                            socket_client):
    requester = make_user(role="official", org=district, status="pending")
    client = login(app.test_client(), requester)
    sock = socket_client(client)
    assert sock.is_connected()
    response = admin.post(f"/api/v1/organizations/{district.id}/members/{requester.id}/approve")
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    [notice] = _notifications(requester.id, "membership_approved")
    assert notice.payload == {"organization_id": district.id,
                              "organization_name": district.name, "role": "official"}
    with own_app_context():
        received = sock.get_received()
    events = [e["args"][0] for e in received if e["name"] == "notification"]
    assert [e["kind"] for e in events] == ["membership_approved"]


def test_rejecting_deletes_the_request_and_notifies(admin, district, make_user):
    requester = make_user(role="official", org=district, status="pending")
    response = admin.post(f"/api/v1/organizations/{district.id}/members/{requester.id}/reject")
    assert response.status_code == 204
    assert db.session.scalar(select(Membership).where(Membership.user_id == requester.id)) is None
    assert len(_notifications(requester.id, "membership_rejected")) == 1
    # Only pending requests can be rejected.
    member = make_user(role="official", org=district)
    assert admin.post(f"/api/v1/organizations/{district.id}/members/{member.id}/reject"
                      ).status_code == 409


def test_member_lists_by_status_are_for_admins(admin, as_user, district, make_user):
    make_user(role="official", org=district, status="pending", name="Paul Pending")
    make_user(role="official", org=district, status="disabled", name="Dora Disabled")
    everyone = admin.get(f"/api/v1/organizations/{district.id}/members?status=all").get_json()
    assert {m["name"] for m in everyone} == {"Petra Kreis", "Paul Pending", "Dora Disabled"}
    disabled = admin.get(f"/api/v1/organizations/{district.id}/members?status=disabled")
    assert [m["name"] for m in disabled.get_json()] == ["Dora Disabled"]
    official = as_user(role="official", org=district)
    assert official.get(f"/api/v1/organizations/{district.id}/members?status=all"
                        ).status_code == 403
    assert official.get(f"/api/v1/organizations/{district.id}/members?status=bogus"
                        ).status_code == 422


# --- roles and disabling -----------------------------------------------------------------


def test_changing_a_role(admin, district, make_user):
    member = make_user(role="official", org=district)
    url = f"/api/v1/organizations/{district.id}/members/{member.id}"
    response = admin.patch(url, json={"role": "caseworker"})
    assert response.status_code == 200 and response.get_json()["role"] == "caseworker"
    assert admin.patch(url, json={"role": "landlord"}).status_code == 422
    assert admin.patch(url, json={}).status_code == 422
    assert admin.patch(url, json={"status": "pending"}).status_code == 422


def test_the_last_admin_cannot_demote_or_disable_themself(admin, district, make_user):
    url = f"/api/v1/organizations/{district.id}/members/{admin.user.id}"
    assert admin.patch(url, json={"role": "official"}).status_code == 409
    assert admin.patch(url, json={"status": "disabled"}).status_code == 409
    make_user(role="admin", org=district)
    assert admin.patch(url, json={"role": "official"}).status_code == 200


def test_disabling_stops_sessions_tokens_and_sockets_at_once(
    app, admin, district, make_user, login, socket_client
):
    member = make_user(role="official", org=district)
    browser = login(app.test_client(), member)
    created = browser.post("/api/v1/auth/tokens", json={"name": "GIS"}).get_json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    cookie_socket = socket_client(browser)
    token_socket = socket_client(auth={"token": created["token"]})
    assert cookie_socket.is_connected() and token_socket.is_connected()

    response = admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                           json={"status": "disabled"})
    assert response.status_code == 200 and response.get_json()["status"] == "disabled"

    assert not cookie_socket.is_connected() and not token_socket.is_connected()
    assert browser.get("/api/v1/me").status_code == 401
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert db.session.scalar(select(LoginSession.ended_at).where(
        LoginSession.user_id == member.id)) is not None
    # No active membership left: the account is disabled and cannot sign in.
    assert db.session.get(User, member.id).disabled
    denied = app.test_client().post("/api/v1/auth/login", json={"email": member.email,
                                                                "password": PASSWORD})
    assert denied.status_code == 401
    assert not socket_client(auth={"token": created["token"]}).is_connected()

    enabled = admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                          json={"status": "active"})
    assert enabled.status_code == 200
    assert login(app.test_client(), member).get("/api/v1/me").status_code == 200
    # Revoked tokens stay revoked.
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_a_role_change_moves_the_members_sockets_and_keeps_the_session(
    app, admin, district, make_user, login, socket_client
):
    member = make_user(role="caseworker", org=district)
    browser = login(app.test_client(), member)  # with the second factor
    sock = socket_client(browser)
    assert hears(sock, listing_events.LISTINGS_STAFF_ROOM)
    assert not hears(sock, listing_events.LISTINGS_OFFICIALS_ROOM)
    admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                json={"role": "official"})
    # An official now: the socket stays open and hears what officials hear.
    assert sock.is_connected()
    assert hears(sock, listing_events.LISTINGS_OFFICIALS_ROOM)
    assert not hears(sock, listing_events.LISTINGS_STAFF_ROOM)
    assert browser.get("/api/v1/me").status_code == 200


def test_a_role_that_needs_a_second_factor_ends_password_only_sessions_and_sockets(
    app, admin, district, make_user, login, socket_client
):
    member = make_user(role="official", org=district)
    browser = login(app.test_client(), member)  # the password alone
    sock = socket_client(browser)
    admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                json={"role": "caseworker"})
    assert not sock.is_connected()
    assert browser.get("/api/v1/me").status_code == 401


def test_someone_in_two_organisations_keeps_the_account_when_disabled_in_one(
    admin, district, make_org, make_user
):
    member = make_user(role="official", org=district)
    other = make_org("municipality")
    db.session.add(Membership(user=member, organization=other, role="official",
                              status="active"))
    db.session.flush()
    admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                json={"status": "disabled"})
    assert not db.session.get(User, member.id).disabled


def test_admins_of_another_organisation_cannot_manage_these_members(
    as_user, district, make_org, make_user
):
    member = make_user(role="official", org=district)
    stranger = as_user(role="admin", org=make_org("district"))
    url = f"/api/v1/organizations/{district.id}/members/{member.id}"
    assert stranger.patch(url, json={"status": "disabled"}).status_code == 403
    assert stranger.post(f"{url}/approve").status_code == 403
    assert not db.session.get(User, member.id).disabled


# --- the pages ---------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_admin_page_lists_members_requests_and_invites_with_a_shown_link(
    app, admin, district, make_user
):
    make_user(role="official", org=district, name="Olga Offiziell")
    pending = make_user(role="official", org=district, status="pending", name="Paul Pending")
    url = f"/organizations/{district.id}/members"
    html = admin.get(url).get_data(as_text=True)
    assert "Olga Offiziell" in html and "Paul Pending" in html
    token = _csrf(html)
    response = admin.post(url, data={"action": "invite", "email": "neu@test.example",
                                     "role": "official", "csrf_token": token})
    assert response.status_code == 302
    html = admin.get(url).get_data(as_text=True)
    link = re.search(r'flash-invitation-link[^"]*"[^>]*>.*?(http://[^<]+)<', html).group(1)
    assert "neu@test.example" in html  # in the open invitations

    page = app.test_client().get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and district.name in page.get_data(as_text=True)

    admin.post(url, data={"action": "approve", "user_id": pending.id, "csrf_token": token})
    assert db.session.scalar(select(Membership.status).where(
        Membership.user_id == pending.id)) == "active"


def test_admin_page_is_404_for_others(as_user, district):
    official = as_user(role="official", org=district)
    assert official.get(f"/organizations/{district.id}/members").status_code == 404


def test_invitation_page_creates_the_account_and_signs_in(app, admin, district):
    link = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                      json={"email": "neu@test.example", "role": "official"}).get_json()["link"]
    guest = app.test_client()
    path = link.replace("http://localhost", "")
    html = guest.get(path).get_data(as_text=True)
    response = guest.post(path, data={"name": "Nina Neu", "password": "a-long-password",
                                      "csrf_token": _csrf(html)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Nina Neu" in guest.get("/").get_data(as_text=True)
    assert guest.get(path).status_code == 404
