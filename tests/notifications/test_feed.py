"""The notifications feed: read-all, the bell's unread count on every page, the feed page
and its panel, the per-kind e-mail opt-out (against the real local SMTP server)."""

from __future__ import annotations

import re

from exchange import mail
from exchange.extensions import db
from exchange.listings import saved_searches
from exchange.listings.filters import ListingFilter
from exchange.notifications import services as notifications
from exchange.profiles.models import User
from tests.listings.test_emails import form_login_and_csrf


def _bell(html: str) -> str:
    match = re.search(r'data-testid="nav-bell-count" data-count="(\d+)"', html)
    assert match, "no bell"
    return match.group(1)


def test_read_all_marks_every_unread_notification_of_mine(as_user, make_user):
    api = as_user(role="official")
    other = make_user(role="official")
    for _ in range(3):
        notifications.notify(api.user.id, "listing_expiring", {"listing_id": 1, "title": "X"})
    notifications.notify(other.id, "listing_expiring", {"listing_id": 1, "title": "Y"})
    db.session.flush()
    assert len(api.get("/api/v1/notifications?unread=true").get_json()["items"]) == 3

    response = api.post("/api/v1/notifications/read-all")
    assert response.status_code == 200 and response.get_json() == {"marked": 3}
    assert api.get("/api/v1/notifications?unread=true").get_json()["items"] == []
    assert len(api.get("/api/v1/notifications").get_json()["items"]) == 3
    assert notifications.unread_notification_count(other) == 1
    assert api.post("/api/v1/notifications/read-all").get_json() == {"marked": 0}


def test_read_all_needs_a_signed_in_user(client):
    assert client.post("/api/v1/notifications/read-all").status_code == 401


def test_the_bell_shows_the_unread_count_and_the_feed_the_texts(client, make_user, make_listing):
    user = make_user(role="official")
    listing = make_listing(title="Drei Zimmer am Park")
    form_login_and_csrf(client, user, "/")
    assert _bell(client.get("/").get_data(as_text=True)) == "0"

    notifications.notify(user.id, "saved_search_match", {
        "listing_id": listing.id, "title": listing.title, "saved_search_name": "Alles",
        "saved_search_id": 1, "kind": "flat", "city": "Berlin"})
    notifications.notify(user.id, "membership_approved", {
        "organization_id": user.memberships[0].organization_id,
        "organization_name": "Kreis Beispiel", "role": "official"})
    db.session.flush()
    html = client.get("/").get_data(as_text=True)
    assert _bell(html) == "2"
    assert "js/notifications.js" in html

    panel = client.get("/notifications/panel").get_data(as_text=True)
    assert "Neues Angebot zu Ihrer Suche „Alles“: Drei Zimmer am Park" in panel
    assert f'href="/listings/{listing.id}"' in panel
    assert "Kreis Beispiel" in panel
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('data-testid="notification"') == 2

    notifications.mark_all_notifications_read(user)
    db.session.flush()
    assert _bell(client.get("/notifications").get_data(as_text=True)) == "0"


def test_a_muted_kind_is_not_e_mailed_the_others_are(smtp_server, make_user, make_listing,
                                                     as_user):
    muted = make_user(role="official", email="muted@kreis.example")
    muted.email_muted_kinds = ["saved_search_match"]
    loud = make_user(role="official", email="loud@kreis.example")
    db.session.flush()
    saved_searches.create_saved_search(muted, "Alles", ListingFilter())
    saved_searches.create_saved_search(loud, "Alles", ListingFilter())
    landlord = as_user(role="landlord")
    listing = make_listing(owner=landlord.user, status="draft")
    assert landlord.post(f"/api/v1/listings/{listing.id}/publish").status_code == 200

    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "loud@kreis.example"
    assert mail.wait_for_deliveries(10)
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    # The in-app notification is there all the same.
    assert notifications.unread_notification_count(muted) == 1

    # Another kind still goes out to the one who muted matches.
    own = make_listing(owner=muted, title="Eigenes")
    official = as_user(role="official")
    assert official.post(f"/api/v1/listings/{own.id}/flag",
                         json={"reason": "Weg"}).status_code == 200
    messages = smtp_server.wait_for(2)
    assert messages[-1]["X-Envelope-To"] == "muted@kreis.example"


def test_the_per_kind_choice_is_made_on_the_profile_page(client, as_user, make_user):
    user = make_user(role="official")
    token = form_login_and_csrf(client, user, "/profile")
    html = client.get("/profile").get_data(as_text=True)
    assert 'name="email_kind_on" value="saved_search_match" checked' in html
    response = client.post("/profile", data={
        "name": user.name, "email_notifications": "on", "csrf_token": token,
        "email_kinds": ["saved_search_match", "listing_expiring", "listing_flagged"],
        "email_kind_on": ["listing_expiring", "listing_flagged"],
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_muted_kinds == ["saved_search_match"]
    html = client.get("/profile").get_data(as_text=True)
    assert 'name="email_kind_on" value="saved_search_match" >' in html

    api = as_user(role="official")
    response = api.patch("/api/v1/me", json={"email_muted_kinds": ["listing_expiring"]})
    assert response.status_code == 200
    assert response.get_json()["email_muted_kinds"] == ["listing_expiring"]


def test_a_concept_notification_links_to_the_concept(client, make_user):
    user = make_user(role="official")
    form_login_and_csrf(client, user, "/")
    notifications.notify(user.id, "concept", {"concept_id": 7, "title": "Sprachcafé",
                                         "topics": ["integration"], "author": "Anna Amt"})
    db.session.flush()
    panel = client.get("/notifications/panel").get_data(as_text=True)
    assert "Anna Amt hat „Sprachcafé“ zu einem Thema geschrieben, dem Sie folgen" in panel
    assert 'href="/concepts/7"' in panel


def test_transfer_notifications_name_the_organisation_and_the_beds(client, make_user):
    user = make_user(role="official")
    form_login_and_csrf(client, user, "/")
    notifications.notify(user.id, "transfer_requested", {
        "organization_id": 1, "organization_name": "Landkreis Emsland", "title": "Halle 3",
        "transfer_id": 1, "listing_id": 2, "beds": 4, "until": "2026-12-31",
        "status": "requested", "room_id": 9, "by": None})
    db.session.flush()
    panel = client.get("/notifications/panel").get_data(as_text=True)
    assert "Landkreis Emsland fragt 4 Plätze an („Halle 3“)" in panel
    assert 'href="/transfers/1"' in panel
