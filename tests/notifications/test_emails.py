"""Every notification kind by e-mail, received by a real local SMTP server (aiosmtpd): a chat
mention and reply, a membership approval and a transfer request reach the right person with
the bell's line as subject and the feed's link, in their language; a muted kind, the global
switch off and a rolled-back action send nothing; an invitation is mailed once, by the
invitation service, not a second time as a notification."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from exchange import mail
from exchange.capacity import transfers
from exchange.chat.messages import do_post_message
from exchange.chat.models import Message
from exchange.db import utcnow
from exchange.extensions import db
from exchange.notifications import emails
from exchange.notifications import texts as notification_texts
from exchange.notifications.models import Notification
from exchange.profiles.models import User

_rooms = itertools.count(1)


def _notes(user: User, kind: str) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ))


def _nothing_more(smtp_server, count: int) -> None:
    assert mail.wait_for_deliveries(10)
    assert len(smtp_server.wait_for(count + 1, timeout=0.5)) == count


def _person(make_user, name: str, email: str, locale: str = "de", **kw) -> User:
    user = make_user(role="official", name=name, email=email, **kw)
    user.locale = locale
    db.session.flush()
    return user


def _post(client, room_id: int, body: str, reply_to_id: int | None = None) -> dict:
    response = client.post(f"/api/v1/rooms/{room_id}/messages",
                           json={"body": body, "reply_to_id": reply_to_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_mention_is_mailed_in_german_with_the_quote_and_a_link_to_the_room(
    smtp_server, as_user, make_user, make_room):
    author = as_user(user=_person(make_user, "Anna Amt", "anna@kreis.example"))
    mentioned = _person(make_user, "Gerd Meyer", "gerd@kreis.example")
    bystander = _person(make_user, "Bea Dritte", "bea@kreis.example")
    room = make_room(author.user, mentioned, bystander, name="Unterbringung Nord")

    _post(author, room.id, "@Gerd Meyer können Sie 12 Betten übernehmen?")

    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "gerd@kreis.example"
    assert message["Subject"] == "Anna Amt hat Sie in „Unterbringung Nord“ erwähnt"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith(
        "Hallo Gerd Meyer,\n\nAnna Amt hat Sie in „Unterbringung Nord“ erwähnt.\n"
    )
    assert "„@Gerd Meyer können Sie 12 Betten übernehmen?“" in body
    assert f"http://localhost/chat/{room.id}\n" in body
    assert "http://localhost/profile" in body  # the footer: where to switch them off
    assert len(_notes(mentioned, "chat_mention")) == 1
    _nothing_more(smtp_server, 1)  # not the author, not the bystander


def test_replies_in_a_busy_thread_are_mailed_once_until_read(
    smtp_server, as_user, make_user, make_room):
    """Each reply rings the bell; the e-mail goes out for the first one not yet read in the
    chat only, and again once the thread has been read."""
    root_author = as_user(user=_person(make_user, "Gerd Meyer", "gerd@kreis.example"))
    replier = as_user(user=_person(make_user, "Rolf Antwort", "rolf@kreis.example"))
    room = make_room(root_author.user, replier.user, name="Unterbringung Süd")
    root = _post(root_author, room.id, "Wer hat noch Betten frei?")

    first = _post(replier, room.id, "Wir haben 12 in Melle.", reply_to_id=root["id"])
    second = _post(replier, room.id, "Und 4 in Bramsche.", reply_to_id=root["id"])
    (message,) = smtp_server.wait_for(1)
    assert "„Wir haben 12 in Melle.“" in message.get_content()
    _nothing_more(smtp_server, 1)
    assert len(_notes(root_author.user, "chat_reply")) == 2  # the bell has both

    read = root_author.post(f"/api/v1/rooms/{room.id}/read", json={"message_id": second["id"]})
    assert read.status_code in (200, 204), read.get_json()
    _post(replier, room.id, "Bramsche ist belegt.", reply_to_id=root["id"])
    mails = smtp_server.wait_for(2)
    assert "„Bramsche ist belegt.“" in mails[1].get_content()
    assert len(_notes(root_author.user, "chat_reply")) == 3
    assert first["id"] < second["id"]


def test_a_reply_is_mailed_in_english_to_an_english_root_author(
    smtp_server, as_user, make_user, make_room):
    root_author = _person(make_user, "Emma Official", "emma@kreis.example", locale="en")
    replier = as_user(user=_person(make_user, "Rolf Antwort", "rolf@kreis.example"))
    room = make_room(root_author, replier.user, name="Beds in the south")
    root = Message(room_id=room.id, author_id=root_author.id, body="Who has beds left?")
    db.session.add(root)
    db.session.flush()

    _post(replier, room.id, "We have 12 in Melle.", reply_to_id=root.id)

    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "emma@kreis.example"
    assert message["Subject"] == "Rolf Antwort replied in “Beds in the south”"
    body = message.get_content()
    assert "Hello Emma Official," in body
    assert "“We have 12 in Melle.”" in body
    assert f"http://localhost/chat/{room.id}" in body
    assert "e-mail notifications are switched on in your profile" in body
    _nothing_more(smtp_server, 1)


def test_an_approved_membership_is_mailed_with_a_link_to_the_organisation(
    app, smtp_server, as_user, make_user, make_org
):
    district = make_org("district", name="Landkreis Emsland")
    admin = as_user(user=make_user(role="admin", org=district, email="admin@emsland.example"))
    requester = make_user(role="official", org=district, status="pending", name="Paul Neu",
                          email="paul@emsland.example")

    response = admin.post(f"/api/v1/organizations/{district.id}/members/{requester.id}/approve")
    assert response.status_code == 200, response.get_json()

    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "paul@emsland.example"
    assert message["Subject"] == "Sie sind jetzt Mitglied von Landkreis Emsland"
    body = message.get_content()
    assert "Hallo Paul Neu," in body
    assert f"http://localhost/directory/{district.id}" in body
    _nothing_more(smtp_server, 1)


def test_a_transfer_request_is_mailed_to_the_providing_side(
    smtp_server, make_user, make_org, make_listing
):
    asking = make_org("district", name="Landkreis Osnabrück")
    providing = make_org("district", name="Landkreis Emsland")
    requester = make_user(role="official", org=asking, email="os@kreis.example")
    provider = _person(make_user, "Berta Bett", "berta@emsland.example", org=providing)
    listing = make_listing(kind="beds", owner=provider, title="Unterkunft Lingen", free_beds=6)

    transfer = transfers.request_transfer(requester, listing.id, 3,
                                          date.today() + timedelta(days=30), "Bitte")
    assert smtp_server.wait_for(1, timeout=0.5) == []  # only after the commit
    db.session.commit()

    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "berta@emsland.example"
    assert message["Subject"] == "Landkreis Osnabrück fragt 3 Plätze an („Unterkunft Lingen“)"
    assert transfer.room_id is not None
    # The letter leads to the request's page, where it is accepted or declined.
    assert f"http://localhost/transfers/{transfer.id}" in message.get_content()
    _nothing_more(smtp_server, 1)  # not the requester


def test_a_muted_kind_is_not_mailed_but_still_notified(smtp_server, as_user, make_user, make_room):
    author = as_user(user=_person(make_user, "Anna Amt", "anna@kreis.example"))
    mentioned = _person(make_user, "Gerd Meyer", "gerd@kreis.example")
    mentioned.email_muted_kinds = ["chat_mention"]
    db.session.flush()
    room = make_room(author.user, mentioned, name="Unterbringung Nord")

    _post(author, room.id, "@Gerd Meyer bitte melden")

    assert len(_notes(mentioned, "chat_mention")) == 1
    _nothing_more(smtp_server, 0)


def test_with_e_mail_notifications_off_nothing_is_mailed(
    smtp_server, as_user, make_user, make_org
):
    district = make_org("district")
    admin = as_user(user=make_user(role="admin", org=district))
    requester = make_user(role="official", org=district, status="pending")
    requester.email_notifications = False
    db.session.flush()

    response = admin.post(f"/api/v1/organizations/{district.id}/members/{requester.id}/approve")
    assert response.status_code == 200
    assert len(_notes(requester, "membership_approved")) == 1
    _nothing_more(smtp_server, 0)


def test_a_rolled_back_message_mails_nothing(smtp_server, make_user, make_room):
    author = _person(make_user, "Anna Amt", "anna@kreis.example")
    mentioned = _person(make_user, "Gerd Meyer", "gerd@kreis.example")
    room = make_room(author, mentioned, name="Unterbringung Nord")
    db.session.commit()

    do_post_message(author, room.id, "@Gerd Meyer das wird nichts")
    assert len(_notes(mentioned, "chat_mention")) == 1
    db.session.rollback()
    assert _notes(mentioned, "chat_mention") == []
    db.session.commit()  # a later commit does not send what was rolled back
    _nothing_more(smtp_server, 0)


def test_an_invitation_to_an_account_is_mailed_once(smtp_server, as_user, make_user, make_org):
    district = make_org("district", name="Landkreis Vechta")
    admin = as_user(user=make_user(role="admin", org=district))
    invited = _person(make_user, "Ida Eingeladen", "ida@kreis.example")

    response = admin.post(f"/api/v1/organizations/{district.id}/invitations",
                          json={"email": invited.email, "role": "official"})
    assert response.status_code == 201, response.get_json()

    (message,) = smtp_server.wait_for(1)
    assert "/invitations/" in message.get_content()  # the invitation itself, with its link
    assert len(_notes(invited, "invitation")) == 1  # and the bell
    _nothing_more(smtp_server, 1)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_kind_has_an_e_mail_with_a_link(app, make_user, locale):
    user = _person(make_user, "Uta User", "uta@kreis.example", locale=locale)
    payload = {
        "listing_id": 7, "room_id": 8, "organization_id": 9, "concept_id": 10,
        "title": "Titel", "organization_name": "Landkreis X", "room_name": "Raum",
        "saved_search_name": "Suche", "author": {"id": 1, "name": "Anna"}, "beds": 2,
        "expires_at": (utcnow() + timedelta(days=3)).isoformat(), "reason": "Grund",
        "week_of": (date.today() + timedelta(days=14)).isoformat(), "threshold": 20, "lowest": 4,
        "size": 3, "proposal_id": 11,
    }
    with app.test_request_context():

        for kind, _label in emails.mailed_kinds():
            note = Notification(user_id=user.id, kind=kind, payload=payload)
            with force_locale(locale):
                subject, body = emails.compose(user, note)
                text, link = notification_texts.describe(note)
            assert subject and "\n" not in subject, kind
            assert ("Hallo Uta User," if locale == "de" else "Hello Uta User,") in body, kind
            assert "http://localhost/" in body and "http://localhost/profile" in body, kind
            if kind not in emails.COMPOSERS:
                assert subject == text, kind
                assert f"http://localhost{link}" in body, kind


def test_the_profile_offers_every_mailed_kind(app, client, make_user):
    from tests.listings.test_emails import form_login_and_csrf

    user = make_user(role="official")
    form_login_and_csrf(client, user, "/profile")
    html = client.get("/profile").get_data(as_text=True)
    with app.test_request_context():
        kinds = list(notification_texts.kind_labels())
    assert len(kinds) > 10
    for kind in kinds:
        offered = f'name="email_kind_on" value="{kind}"' in html
        assert offered == (kind not in emails.NOT_MAILED), kind
