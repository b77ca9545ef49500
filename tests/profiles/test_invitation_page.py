"""The "invitation" notification leads to the organisation's page, where a signed-in user
accepts it (issue 14: every notification kind links to a page with its action)."""

from __future__ import annotations

from exchange.extensions import db
from exchange.profiles import invitations
from exchange.profiles.models import Membership


def test_an_invitation_is_accepted_on_the_organisations_page(as_user, make_user, make_org):
    district = make_org("district")
    guest = as_user("official")
    invitation, _raw = invitations.invite(make_user(role="admin", org=district), district.id,
                                          guest.user.email, "caseworker")
    db.session.flush()
    page = guest.get(f"/directory/{district.id}").get_data(as_text=True)
    assert 'data-testid="accept-invitation"' in page

    # Another user cannot take it, whatever id they send.
    other = as_user("official")
    path = f"/directory/{district.id}/invitations/{invitation.id}/accept"
    assert 'data-testid="accept-invitation"' not in other.get(
        f"/directory/{district.id}").get_data(as_text=True)
    assert other.post(path, data={"csrf_token": other.csrf_token}).status_code == 404

    accepted = guest.post(path, data={"csrf_token": guest.csrf_token})
    assert accepted.status_code == 302
    membership = db.session.query(Membership).filter_by(
        user_id=guest.user.id, organization_id=district.id).one()
    assert (membership.role, membership.status) == ("caseworker", "active")
    assert 'data-testid="accept-invitation"' not in guest.get(
        f"/directory/{district.id}").get_data(as_text=True)
