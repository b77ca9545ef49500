"""Listings notices by e-mail, received by a real local SMTP server (aiosmtpd): a saved
search's new match, the expiry reminder and the flag, in the user's language, with a link to
the listing; nothing for a rolled-back change or a user who opted out."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from exchange import mail
from exchange.db import utcnow
from exchange.extensions import db
from exchange.listings import expiry, operations, saved_searches
from exchange.listings.filters import ListingFilter
from exchange.notifications.models import Notification
from exchange.profiles.models import User
from tests.conftest import PASSWORD


def form_login_and_csrf(client, user: User, page: str) -> str:
    """Sign in through the login form; the CSRF token of ``page``."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(
        as_text=True)).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _notes(user: User, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def _nothing_more(smtp_server, count: int) -> None:
    assert mail.wait_for_deliveries(10)
    assert len(smtp_server.wait_for(count + 1, timeout=0.5)) == count


def _official(make_user, locale: str = "de", **kw) -> User:
    user = make_user(role="official", **kw)
    user.locale = locale
    db.session.flush()
    return user


def _a_landlord_publishes_a_match_for(official: User, as_user, make_listing) -> None:
    """Official saves a search for everything; a landlord publishes: one match noted."""
    saved_searches.create_saved_search(official, "Alles", ListingFilter())
    landlord = as_user(role="landlord")
    listing = make_listing(owner=landlord.user, status="draft")
    assert landlord.post(f"/api/v1/listings/{listing.id}/publish").status_code == 200
    assert len(_notes(official, "saved_search_match")) == 1


def test_a_new_match_of_a_saved_search_is_e_mailed_in_the_users_language(
    smtp_server, make_user, make_listing, as_user
):
    english = _official(make_user, "en", name="Emma Official", email="emma@kreis.example")
    german = _official(make_user, "de", name="Gerd Amt", email="gerd@kreis.example")
    saved_searches.create_saved_search(english, "Families in Berlin", ListingFilter(min_beds=3))
    saved_searches.create_saved_search(german, "Alles", ListingFilter())
    landlord = as_user(role="landlord")
    listing = make_listing(owner=landlord.user, status="draft", title="Drei Zimmer am Park")

    assert landlord.post(f"/api/v1/listings/{listing.id}/publish").status_code == 200
    messages = sorted(smtp_server.wait_for(2), key=lambda m: m["To"])
    assert [m["X-Envelope-To"] for m in messages] == ["emma@kreis.example", "gerd@kreis.example"]
    to_emma, to_gerd = messages
    assert to_emma["Subject"] == (
        "New listing for your search “Families in Berlin”: Drei Zimmer am Park"
    )
    body = to_emma.get_content()
    assert "Hello Emma Official," in body
    assert f"http://localhost/listings/{listing.id}" in body
    assert "http://localhost/profile" in body  # where to switch them off
    assert to_gerd["Subject"] == "Neues Angebot zu Ihrer Suche „Alles“: Drei Zimmer am Park"
    assert f"http://localhost/listings/{listing.id}" in to_gerd.get_content()
    assert "Hallo Gerd Amt," in to_gerd.get_content()
    # The in-app notifications are there as before.
    assert len(_notes(english, "saved_search_match")) == 1
    _nothing_more(smtp_server, 2)


def test_who_opted_out_gets_the_notification_but_no_e_mail(
    smtp_server, make_user, make_listing, as_user
):
    official = _official(make_user)
    official.email_notifications = False
    db.session.flush()
    _a_landlord_publishes_a_match_for(official, as_user, make_listing)
    _nothing_more(smtp_server, 0)


def test_a_rolled_back_publication_sends_nothing(smtp_server, make_user, make_listing):
    official = _official(make_user)
    saved_searches.create_saved_search(official, "Alles", ListingFilter())
    landlord = make_user(role="landlord")
    listing = make_listing(owner=landlord, status="draft")
    db.session.commit()

    operations.change_status(landlord, listing.id, "publish")
    assert len(_notes(official, "saved_search_match")) == 1
    db.session.rollback()
    assert _notes(official, "saved_search_match") == []
    _nothing_more(smtp_server, 0)


def test_without_smtp_nothing_is_sent_and_publishing_works(
    app, smtp_server, monkeypatch, make_user, make_listing, as_user
):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    official = _official(make_user)
    _a_landlord_publishes_a_match_for(official, as_user, make_listing)
    _nothing_more(smtp_server, 0)


def test_a_flag_is_e_mailed_to_the_owner(smtp_server, make_user, make_listing, as_user):
    owner = make_user(role="landlord", name="Lena Vermieterin", email="lena@example.org")
    listing = make_listing(owner=owner, title="Dachgeschoss")
    official = as_user(role="official")
    response = official.post(f"/api/v1/listings/{listing.id}/flag", json={"reason": "Schon weg"})
    assert response.status_code == 200
    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "lena@example.org"
    assert message["Subject"] == "Bitte prüfen Sie Ihr Angebot: Dachgeschoss"
    body = message.get_content()
    assert "„Schon weg“" in body or "“Schon weg”" in body
    assert f"http://localhost/listings/{listing.id}" in body
    _nothing_more(smtp_server, 1)


def test_the_expiry_reminder_is_e_mailed_from_the_sweep(app, smtp_server, monkeypatch, make_user,
                                                        make_listing):
    # The sweep runs from cron, outside any request: links come from PUBLIC_URL.
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://exchange.example.org")
    owner = make_user(role="landlord", email="otto@example.org")
    owner.locale = "en"
    db.session.flush()
    due = make_listing(owner=owner, title="Garden flat", expires_at=utcnow() + timedelta(days=1))
    assert expiry.expire_listings().reminded == [due.id]
    assert smtp_server.wait_for(1, timeout=0.5) == []  # only after the commit
    db.session.commit()
    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "otto@example.org"
    assert re.fullmatch(r"Your listing expires on .+: Garden flat", message["Subject"])
    assert f"https://exchange.example.org/listings/{due.id}" in message.get_content()
    _nothing_more(smtp_server, 1)


def test_the_preference_is_part_of_the_profile(client, as_user, make_user):
    api = as_user(role="official")
    assert api.get("/api/v1/me").get_json()["email_notifications"] is True
    response = api.patch("/api/v1/me", json={"email_notifications": False})
    assert response.status_code == 200 and response.get_json()["email_notifications"] is False
    assert db.session.get(User, api.user.id).email_notifications is False
    bad = api.patch("/api/v1/me", json={"email_notifications": "perhaps"})
    assert bad.status_code == 422 and "email_notifications" in bad.get_json()["errors"]["json"]

    # The profile page: the box shows the choice, and an unticked box switches it off.
    user = make_user(role="official")
    token = form_login_and_csrf(client, user, "/profile")
    html = client.get("/profile").get_data(as_text=True)
    assert re.search(r'name="email_notifications" checked', html)
    response = client.post("/profile", data={"name": user.name, "csrf_token": token})
    assert response.status_code == 302
    assert db.session.get(User, user.id).email_notifications is False
    client.post("/profile", data={"name": user.name, "email_notifications": "on",
                                  "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, user.id).email_notifications is True
