"""The start page per role: each role sees its blocks and not the others'; the welcome line
and the organisations list stay."""

from __future__ import annotations

from datetime import timedelta

from exchange.db import utcnow
from exchange.extensions import db
from exchange.profiles.models import Membership

BLOCKS = {
    "official": ["start-region", "start-offers", "start-requests"],
    "caseworker": ["start-shelters", "start-activities"],
    "landlord": ["start-my-listings", "start-expiring", "start-messages"],
    "admin": ["start-admin"],
}


def _shown(html: str) -> set[str]:
    return {role for role, ids in BLOCKS.items()
            if all(f'data-testid="{i}"' in html for i in ids)}


def _hidden(html: str, role: str) -> bool:
    return not any(f'data-testid="{i}"' in html for i in BLOCKS[role])


def test_each_role_sees_its_blocks_only(as_user):
    for role in ("official", "caseworker", "landlord", "admin"):
        api = as_user(role=role)
        html = api.get("/").get_data(as_text=True)
        assert f"Willkommen, {api.user.name}" in html
        assert 'data-testid="memberships"' in html
        assert _shown(html) == {role}, role
        for other in set(BLOCKS) - {role}:
            assert _hidden(html, other), (role, other)


def test_the_officials_block_shows_new_offers_and_the_map(as_user, make_listing):
    api = as_user(role="official")
    listing = make_listing(title="Helle Wohnung am Markt")
    html = api.get("/").get_data(as_text=True)
    assert "Helle Wohnung am Markt" in html and f"/listings/{listing.id}" in html
    assert 'data-testid="start-map-link"' in html
    assert 'data-testid="start-free-beds"' in html


def test_the_landlords_block_lists_own_and_expiring_listings(as_user, make_listing):
    api = as_user(role="landlord")
    make_listing(owner=api.user, title="Dachwohnung", expires_at=utcnow() + timedelta(days=3))
    make_listing(owner=api.user, title="Gartenwohnung", expires_at=utcnow() + timedelta(days=60))
    html = api.get("/").get_data(as_text=True)
    mine = html.split('data-testid="start-my-listings"')[1].split("</section>")[0]
    expiring = html.split('data-testid="start-expiring"')[1].split("</section>")[0]
    assert "Dachwohnung" in mine and "Gartenwohnung" in mine
    assert "Dachwohnung" in expiring and "Gartenwohnung" not in expiring


def test_the_admins_block_counts_members_and_pending_requests(as_user, make_user):
    api = as_user(role="admin")
    org = api.user.memberships[0].organization
    make_user(role="official", org=org)
    make_user(role="official", org=org, status="pending")
    db.session.flush()
    html = api.get("/").get_data(as_text=True)
    block = html.split('data-testid="start-admin"')[1].split("</section>")[0]
    assert "2 Mitglieder" in block and "1 offene Anfrage" in block
    assert f"/organizations/{org.id}/members" in block
    assert db.session.query(Membership).filter_by(organization_id=org.id).count() == 3
