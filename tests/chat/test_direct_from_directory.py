""""Write a message" in the directory (issue 14, point 5): POST /chat/direct/<user_id> opens
the direct room with that person (or finds the one there is) and shows it; where chat
allows no such room nothing is made and the reason is shown on the directory."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.chat.models import Member, Room
from exchange.extensions import db


def rooms_of(user_id: int) -> set[int]:
    return set(db.session.scalars(select(Member.room_id).where(Member.user_id == user_id)))


def test_write_a_message_opens_the_direct_room_once(as_user, make_user):
    client = as_user("official")
    mayor = make_user("official", name="Erika Schmidt")
    answer = client.post(f"/chat/direct/{mayor.id}", data={"csrf_token": client.csrf_token})
    assert answer.status_code == 302
    (room_id,) = rooms_of(mayor.id)
    assert answer.headers["Location"].endswith(f"/chat/{room_id}")
    assert db.session.get(Room, room_id).kind == "direct"
    assert rooms_of(client.user.id) == {room_id}
    again = client.post(f"/chat/direct/{mayor.id}", data={"csrf_token": client.csrf_token})
    assert again.headers["Location"].endswith(f"/chat/{room_id}")
    assert db.session.scalar(select(func.count()).select_from(Room)) == 1


def test_no_room_where_chat_allows_none(as_user, make_user):
    """A landlord (chat keeps them to rooms about their listings), a disabled account,
    an unknown id and oneself: no room, back to the directory with the reason."""
    official = make_user("official")
    landlord = as_user("landlord")
    answer = landlord.post(f"/chat/direct/{official.id}",
                           data={"csrf_token": landlord.csrf_token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/directory")
    staff = as_user("official")
    gone = make_user("official")
    gone.disabled = True
    db.session.flush()
    for user_id in (gone.id, 999_999, staff.user.id, landlord.user.id):
        answer = staff.post(f"/chat/direct/{user_id}", data={"csrf_token": staff.csrf_token})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/directory")
    assert db.session.scalar(select(func.count()).select_from(Room)) == 0
    page = staff.get("/directory").get_data(as_text=True)
    assert f"Benutzer/innen {landlord.user.id} können nicht an diesem Raum teilnehmen" in page


def test_write_a_message_needs_the_csrf_token(app, make_user, login):
    official = make_user("official")
    client = login(app.test_client(), make_user("official"))
    client.csrf_token = None
    answer = client.post(f"/chat/direct/{official.id}")
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Room)) == 0
