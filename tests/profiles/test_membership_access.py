"""Issue 12, point 2: an organisation's admin ends only the access their organisation gave.

Before, ``POST /organizations/{id}/members`` attached any existing account (the platform
admin's too) without its consent, and disabling that membership ended all the account's
sessions and tokens everywhere, at will. Now an account joins only by accepting an
invitation (tests/profiles/test_organizations.py), and disabling a membership stops that
membership's permissions and socket rooms at once while the account's sessions, tokens
and sockets stay for what its other memberships give.
"""

from __future__ import annotations

from exchange.capacity.events import capacity_room
from exchange.extensions import db
from exchange.profiles.models import Membership, User
from tests.conftest import hears


def test_disabling_one_membership_ends_only_what_it_gave(
    app, as_user, make_org, make_user, login, socket_client
):
    district = make_org("district")
    town = make_org("municipality")
    org_admin = as_user(role="admin", org=district)
    member = make_user(role="admin", org=district, name="Doppel Mitglied")
    db.session.add(Membership(user=member, organization=town, role="official", status="active"))
    db.session.flush()
    browser = login(app.test_client(), member)
    token = browser.post("/api/v1/auth/tokens", json={"name": "GIS"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    cookie_socket = socket_client(browser)
    token_socket = socket_client(auth={"token": token})
    members_of_district = f"/api/v1/organizations/{district.id}/members?status=all"
    assert browser.get(members_of_district).status_code == 200  # as the district's admin
    assert hears(cookie_socket, capacity_room(district.id))

    response = org_admin.patch(f"/api/v1/organizations/{district.id}/members/{member.id}",
                               json={"status": "disabled"})
    assert response.status_code == 200

    # What the district membership gave stops at once, on the session and the token ...
    assert browser.get(members_of_district).status_code == 403
    assert app.test_client().get(members_of_district, headers=headers).status_code == 403
    assert not hears(cookie_socket, capacity_room(district.id))
    assert not hears(token_socket, capacity_room(district.id))
    # ... and the rest stays: the same session, token and sockets, for the town.
    for client, extra in ((browser, {}), (app.test_client(), headers)):
        me = client.get("/api/v1/me", headers=extra)
        assert me.status_code == 200
        assert {(m["organization_id"], m["status"]) for m in me.get_json()["memberships"]} == {
            (district.id, "disabled"), (town.id, "active")}
    assert cookie_socket.is_connected() and token_socket.is_connected()
    assert hears(cookie_socket, capacity_room(town.id))
    assert not db.session.get(User, member.id).disabled


def test_an_org_admin_cannot_lock_the_platform_admin_out(
    app, as_user, make_org, make_user, login, socket_client
):
    district = make_org("district")
    org_admin = as_user(role="admin", org=district)
    # The platform admin once accepted a membership of the district (their only one).
    platform_admin = make_user(role="official", org=district, admin=True)
    browser = login(app.test_client(), platform_admin)
    sock = socket_client(browser)
    response = org_admin.patch(
        f"/api/v1/organizations/{district.id}/members/{platform_admin.id}",
        json={"status": "disabled"})
    assert response.status_code == 200
    assert browser.get("/api/v1/me").status_code == 200 and sock.is_connected()
    assert browser.post("/api/v1/organizations", json={
        "name": "Gemeinde Neudorf", "kind": "municipality"}).status_code == 201
    assert not db.session.get(User, platform_admin.id).disabled
