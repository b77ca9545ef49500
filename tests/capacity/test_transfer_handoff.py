"""Bed requests reach the other side with the action at hand (issue 14, points 1 and 6):
the arrival date, withdrawal, the request's own page, its notification's buttons, its chat
thread, the start page and the navigation; other districts get 404 everywhere."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from exchange.capacity.models import BedTransfer
from exchange.extensions import db
from exchange.notifications.models import Notification

TODAY = date.today()
UNTIL = (TODAY + timedelta(days=30)).isoformat()


def _request(client, listing_id, beds=1, **extra):
    return client.post("/api/v1/transfers", json={
        "listing_id": listing_id, "beds": beds, "until": UNTIL, "message": "Bitte", **extra})


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(BedTransfer))


def _kinds(client) -> list[str]:
    return [n["kind"] for n in client.get("/api/v1/notifications").get_json()["items"]]


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_arrival_date_is_kept_and_checked(sides):
    a = sides["a"]
    arrival = (TODAY + timedelta(days=3)).isoformat()
    made = _request(a, sides["listing_id"], arrival_date=arrival)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["arrival_date"] == arrival
    # Without one, the persons come today.
    assert _request(a, sides["listing_id"]).get_json()["arrival_date"] == TODAY.isoformat()

    before = _count()
    past = _request(a, sides["listing_id"], arrival_date=(TODAY - timedelta(days=1)).isoformat())
    assert past.status_code == 422
    assert set(past.get_json()["errors"]["json"]) == {"arrival_date"}
    late = _request(a, sides["listing_id"],
                    arrival_date=(TODAY + timedelta(days=31)).isoformat())
    assert late.status_code == 422
    assert set(late.get_json()["errors"]["json"]) == {"arrival_date"}
    assert _count() == before  # nothing written

    # The form asks for it, and the page of the request shows it.
    form = _html(a, f"/transfers/new?listing_id={sides['listing_id']}")
    assert 'name="arrival_date"' in form
    page = _html(a, f"/transfers/{made.get_json()['id']}")
    assert f'datetime="{arrival}"' in page


def test_the_requester_withdraws_and_the_offering_side_is_told(sides):
    a, b, c = sides["a"], sides["b"], sides["c"]
    transfer = _request(a, sides["listing_id"]).get_json()
    # Neither the offering side nor another district may withdraw it.
    assert b.post(f"/api/v1/transfers/{transfer['id']}/withdraw").status_code == 403
    assert c.post(f"/api/v1/transfers/{transfer['id']}/withdraw").status_code == 404
    assert c.post(f"/transfers/{transfer['id']}/withdraw",
                  data={"csrf_token": c.csrf_token}).status_code == 404

    withdrawn = a.post(f"/api/v1/transfers/{transfer['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert withdrawn.get_json()["withdrawn_at"] is not None
    assert "transfer_withdrawn" in _kinds(b)
    assert "zurückgezogen" in _html(b, "/notifications/panel")
    # Decided for good: it cannot be accepted or withdrawn again.
    assert b.post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 409
    assert a.post(f"/api/v1/transfers/{transfer['id']}/withdraw").status_code == 409


def test_withdraw_from_the_page(sides):
    a, b = sides["a"], sides["b"]
    transfer = _request(a, sides["listing_id"]).get_json()
    page = _html(a, f"/transfers/{transfer['id']}")
    assert f'data-testid="withdraw-{transfer["id"]}"' in page
    assert f'data-testid="accept-{transfer["id"]}"' not in page
    sent = a.post(f"/transfers/{transfer['id']}/withdraw",
                  data={"csrf_token": a.csrf_token, "back": "transfer"})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/transfers/{transfer['id']}")
    assert db.session.get(BedTransfer, transfer["id"], populate_existing=True).status \
        == "withdrawn"
    assert "transfer_withdrawn" in _kinds(b)


def test_the_request_page_offers_each_side_its_actions_and_others_get_404(sides):
    a, b, c = sides["a"], sides["b"], sides["c"]
    transfer = _request(a, sides["listing_id"], 2).get_json()
    offering = _html(b, f"/transfers/{transfer['id']}")
    assert f'data-testid="accept-{transfer["id"]}"' in offering
    assert f'data-testid="decline-{transfer["id"]}"' in offering
    assert f'href="/chat/{transfer["room_id"]}"' in offering
    assert c.get(f"/transfers/{transfer['id']}").status_code == 404
    assert c.get("/transfers/999999").status_code == 404


def test_the_notification_carries_accept_and_decline_until_decided(sides):
    a, b = sides["a"], sides["b"]
    transfer = _request(a, sides["listing_id"], 2).get_json()
    panel = _html(b, "/notifications/panel")
    assert 'data-testid="notification-accept"' in panel
    assert 'data-testid="notification-decline"' in panel
    assert f'action="/transfers/{transfer["id"]}/accept"' in panel
    assert f'href="/transfers/{transfer["id"]}"' in panel
    # The asking side's feed has no buttons for it.
    assert 'data-testid="notification-accept"' not in _html(a, "/notifications/panel")

    accepted = b.post(f"/transfers/{transfer['id']}/accept",
                      data={"csrf_token": b.csrf_token, "back": "transfer"})
    assert accepted.status_code == 302
    assert "transfer_accepted" in _kinds(a)
    assert 'data-testid="notification-accept"' not in _html(b, "/notifications/panel")


def test_the_chat_thread_shows_the_request_and_its_actions(sides, as_user, make_room):
    a, b, c = sides["a"], sides["b"], sides["c"]
    transfer = _request(a, sides["listing_id"], 2).get_json()
    room = f"/chat/{transfer['room_id']}"
    offering = _html(b, room)
    assert 'data-testid="room-transfer"' in offering
    assert f'data-testid="accept-{transfer["id"]}"' in offering
    asking = _html(a, room)
    assert f'data-testid="withdraw-{transfer["id"]}"' in asking
    # Another district opening the room's address sees nothing of the request.
    assert 'data-testid="room-transfer"' not in _html(c, room)

    declined = b.post(f"/transfers/{transfer['id']}/decline",
                      data={"csrf_token": b.csrf_token, "back": "room", "reason": "voll"})
    assert declined.headers["Location"].endswith(room)
    assert "transfer_declined" in _kinds(a)
    assert f'data-testid="accept-{transfer["id"]}"' not in _html(b, room)


def test_the_start_page_and_navigation_of_those_who_answer(sides, as_user, make_user):
    a, b = sides["a"], sides["b"]
    transfer = _request(a, sides["listing_id"], 2,
                        arrival_date=(TODAY + timedelta(days=2)).isoformat()).get_json()
    start = _html(b, "/")
    block = start.split('data-testid="start-requests"')[1].split("</section>")[0]
    assert f'data-testid="start-transfer-{transfer["id"]}"' in block
    assert f'data-testid="accept-{transfer["id"]}"' in block
    assert "Keine offenen Anfragen" not in block
    # An admin of the offering district decides too: their start page has the request.
    admin = as_user(role="admin", org=sides["org_b"])
    assert f'data-testid="accept-{transfer["id"]}"' in _html(admin, "/")
    # Accepting from the start page comes back to it.
    answer = b.post(f"/transfers/{transfer['id']}/accept",
                    data={"csrf_token": b.csrf_token, "back": "home"})
    assert answer.headers["Location"].endswith("/")
    assert f'data-testid="start-transfer-{transfer["id"]}"' not in _html(b, "/")

    for role in ("official", "caseworker", "admin"):
        assert 'data-testid="nav-requests"' in _html(as_user(role=role, org=sides["org_a"]), "/")
    assert 'data-testid="nav-requests"' not in _html(as_user(role="landlord"), "/")


def test_a_notification_is_kept_for_the_reader_only(sides):
    a, b, c = sides["a"], sides["b"], sides["c"]
    _request(a, sides["listing_id"], 1)
    owners = set(db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "transfer_requested")))
    assert b.user.id in owners and c.user.id not in owners and a.user.id not in owners


def test_the_room_plan_shows_held_beds_so_its_free_beds_match_the_map(sides, as_user):
    a, b = sides["a"], sides["b"]
    shelter = sides["shelter"]
    transfer = _request(a, sides["listing_id"], 3).get_json()
    assert b.post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 200
    caseworker = as_user(role="caseworker", org=sides["org_b"])
    plan = caseworker.get(f"/shelters/{shelter.id}/plan.json").get_json()
    on_the_map = a.get(f"/api/v1/listings/{sides['listing_id']}").get_json()["free_beds"]
    assert plan["capacity"]["held"] == 3
    assert plan["capacity"]["free"] - plan["capacity"]["held"] == on_the_map == 1
    page = _html(caseworker, f"/shelters/{shelter.id}")
    assert 'data-testid="held-beds">3<' in page
