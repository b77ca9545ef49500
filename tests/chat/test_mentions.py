"""@mentions that notify, the people search for new rooms, and what the chat page's room
list and navigation badge read (a direct room's peer, the latest message, the unread total)."""

from __future__ import annotations

import re

from sqlalchemy import select

from exchange.chat.mentions import find_mentions
from exchange.chat.read_state import unread_total
from exchange.extensions import db
from exchange.notifications.models import Notification
from tests.conftest import own_app_context


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_find_mentions_by_full_name_in_any_case():
    people = [(1, "Lena Lingen"), (2, "Lena"), (3, "Bernd Bürgermeister"), (4, "Olga")]
    assert find_mentions("@lena lingen, schauen Sie mal", people) == [1]
    assert find_mentions("Danke @Lena und @BERND BÜRGERMEISTER!", people) == [3, 2]
    # A name running on into a longer word, an e-mail address, no @ at all: nobody.
    assert find_mentions("@Olgas Team", people) == []
    assert find_mentions("olga@lk-osnabrueck.example", people) == []
    assert find_mentions("Olga, bitte", people) == []


def test_a_mention_notifies_the_member_live(as_user, make_user, make_room, socket_client):
    author = as_user("official")
    mentioned = as_user("official")
    bystander = make_user("official", name="Bea Bystander")
    room = make_room(author.user, mentioned.user, bystander, name="Unterbringung Nord")
    sock = socket_client(mentioned)
    with own_app_context():
        sock.get_received()

    body = f"@{mentioned.user.name} können Sie die 100 Betten übernehmen?"
    response = author.post(f"/api/v1/rooms/{room.id}/messages", json={"body": body})
    assert response.status_code == 201
    message = response.get_json()

    (note,) = _notifications(mentioned.user)
    assert note.kind == "chat_mention"
    assert note.payload == {
        "room_id": room.id, "room_name": "Unterbringung Nord", "message_id": message["id"],
        "author": {"id": author.user.id, "name": author.user.name}, "excerpt": body,
    }
    assert _notifications(bystander) == [] and _notifications(author.user) == []
    with own_app_context():
        received = sock.get_received()
    live = [e["args"][0] for e in received if e["name"] == "notification"]
    assert [n["kind"] for n in live] == ["chat_mention"]
    assert live[0]["payload"]["message_id"] == message["id"]


def test_mentions_through_the_socket_and_of_non_members(
    as_user, make_user, make_room, socket_client
):
    author = as_user("official")
    member = make_user("official", name="Maria Melle")
    outsider = make_user("official", name="Otto Außen")
    room = make_room(author.user, member)
    sock = socket_client(author)
    data = {"room_id": room.id, "body": "@Maria Melle und @Otto Außen"}
    with own_app_context():
        ack = sock.emit("send", data, callback=True)
    assert "id" in ack, ack
    assert [n.kind for n in _notifications(member)] == ["chat_mention"]
    assert _notifications(outsider) == []  # not in the room: not told


def test_mentioning_oneself_notifies_nobody(as_user, make_room):
    author = as_user("official")
    room = make_room(author.user)
    author.post(f"/api/v1/rooms/{room.id}/messages", json={"body": f"@{author.user.name}"})
    assert _notifications(author.user) == []


def test_people_search_finds_staff_only(as_user, make_user, make_org):
    client = as_user("official")
    colleague = make_user("official", name="Lena Lingen-Test", email="lena.test@lingen.example")
    make_user("landlord", name="Lena Landlord-Test")
    make_user("official", org=make_org(verified=False), name="Lena Unverified-Test")
    make_user("official", name="Lena Pending-Test", status="pending")
    found = client.get("/api/v1/chat/people?q=lena").get_json()
    assert [p["id"] for p in found] == [colleague.id]
    assert found[0]["organization"] == colleague.memberships[0].organization.name
    by_mail = client.get("/api/v1/chat/people?q=lena.test@").get_json()
    assert [p["id"] for p in by_mail] == [colleague.id]
    # LIKE's wildcards are searched for as text.
    assert client.get("/api/v1/chat/people?q=%25").get_json() == []
    assert client.get("/api/v1/chat/people?q=").status_code == 422
    assert as_user("landlord").get("/api/v1/chat/people?q=lena").status_code == 403


def test_rooms_carry_the_peer_and_the_latest_message(as_user, make_user, make_room,
                                                      make_message):
    client = as_user("official")
    other = make_user("official")
    direct = make_room(client.user, other, kind="direct", name="")
    group = make_room(client.user, other)
    make_message(direct, other)
    last = make_message(direct, client.user)
    rooms = {r["id"]: r for r in client.get("/api/v1/rooms").get_json()["items"]}
    assert rooms[direct.id]["peer"] == {"id": other.id, "name": other.name}
    assert rooms[direct.id]["last_message_id"] == last.id
    assert rooms[direct.id]["last_message_at"] is not None
    assert rooms[group.id]["peer"] is None and rooms[group.id]["last_message_id"] is None


def test_unread_total_leaves_out_muted_rooms(as_user, make_user, make_room, make_message):
    client = as_user("official")
    me, other = client.user, make_user("official")
    loud = make_room(me, other)
    quiet = make_room(me, other)
    make_message(loud, me)  # one's own message is read, and so is all before it
    for _ in range(2):
        make_message(loud, other)
        make_message(quiet, other)
    assert unread_total(me) == 4
    client.patch(f"/api/v1/rooms/{quiet.id}/membership", json={"muted": True})
    assert unread_total(me) == 2


def test_the_navigation_shows_the_unread_total(as_user, make_user, make_room, make_message):
    client = as_user("official")
    room = make_room(client.user, make_user("official"))
    badge = re.compile(r'<span class="badge" id="nav-unread"[^>]*>(\S*)</span>')
    assert badge.search(client.get("/map").get_data(as_text=True)).group(0).count(" hidden") == 1
    for _ in range(3):
        make_message(room, room.members[1].user)
    page = client.get("/chat").get_data(as_text=True)
    assert badge.search(page).group(1) == "3"
    assert " hidden" not in badge.search(page).group(0)
    assert 'id="page-strings"' in page and 'id="page-config"' in page
