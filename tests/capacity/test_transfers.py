"""Transfer requests between districts (issue 6, point 6): request, accept, decline,
release; held beds lower the published figure; 409 when not enough; the chat thread."""

from __future__ import annotations

import contextvars
import re
from datetime import date, timedelta

from sqlalchemy import select, update

from exchange.capacity import transfers
from exchange.capacity.models import BedTransfer, Shelter
from exchange.chat.models import Member, Message
from exchange.cli import cli
from exchange.extensions import db
from exchange.listings.models import Listing
from tests.listings.conftest import make_listing as make_listing  # noqa: F401  (fixture)

UNTIL = (date.today() + timedelta(days=30)).isoformat()


def _free(listing_id: int) -> int:
    return db.session.scalar(
        select(Listing.free_beds)
        .where(Listing.id == listing_id)
        .execution_options(populate_existing=True)
    )


def _request(client, listing_id, beds, **extra):
    return client.post(
        "/api/v1/transfers",
        json={"listing_id": listing_id, "beds": beds, "until": UTC_UNTIL, "message": "Bitte",
              **extra},
    )


UTC_UNTIL = UNTIL


def test_request_accept_release_moves_the_published_figure(sides):
    a, b, listing_id = sides["a"], sides["b"], sides["listing_id"]
    assert _free(listing_id) == 4
    response = _request(a, listing_id, 3)
    assert response.status_code == 201, response.get_json()
    transfer = response.get_json()
    assert transfer["status"] == "requested"
    assert transfer["providing_organization_id"] == sides["org_b"].id
    assert _free(listing_id) == 4

    # the chat thread: both sides are members, the message is there
    room_id = transfer["room_id"]
    assert room_id is not None
    members = set(db.session.scalars(select(Member.user_id).where(Member.room_id == room_id)))
    assert {a.user.id, sides["b_official"].id} <= members
    bodies = list(db.session.scalars(select(Message.body).where(Message.room_id == room_id)))
    assert bodies == ["Bitte"]

    incoming = b.get("/api/v1/transfers?direction=incoming").get_json()["items"]
    assert [t["id"] for t in incoming] == [transfer["id"]]
    assert b.get("/api/v1/transfers?direction=outgoing").get_json()["items"] == []
    outgoing = a.get("/api/v1/transfers?direction=outgoing").get_json()["items"]
    assert [t["id"] for t in outgoing] == [transfer["id"]]

    assert a.post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 403
    accepted = b.post(f"/api/v1/transfers/{transfer['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    assert _free(listing_id) == 1
    shelter = db.session.get(Shelter, sides["shelter"].id, populate_existing=True)
    assert shelter.held_beds == 3
    capacity = b.get(f"/api/v1/organizations/{sides['org_b'].id}/capacity").get_json()
    assert capacity["free_published"] == 1

    # not enough left: the request is refused at once, an accept of an older one is 409
    assert _request(a, listing_id, 2).status_code == 409
    second = _request(a, listing_id, 1).get_json()
    db.session.execute(
        update(Listing).where(Listing.id == listing_id).values(free_beds=5)
    )  # stale figure: the accept decides on the registry counts, not on the listing
    third = _request(a, listing_id, 2).get_json()
    assert b.post(f"/api/v1/transfers/{second['id']}/accept").status_code == 200
    assert _free(listing_id) == 0
    assert b.post(f"/api/v1/transfers/{third['id']}/accept").status_code == 409

    released = a.post(f"/api/v1/transfers/{transfer['id']}/release")
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["status"] == "released"
    assert _free(listing_id) == 3
    assert a.post(f"/api/v1/transfers/{transfer['id']}/release").status_code == 409


def test_decline_with_reason_and_notifications(sides):
    a, b = sides["a"], sides["b"]
    transfer = _request(a, sides["listing_id"], 2).get_json()
    kinds = [n["kind"] for n in b.get("/api/v1/notifications").get_json()["items"]]
    assert "transfer_requested" in kinds
    declined = b.post(f"/api/v1/transfers/{transfer['id']}/decline", json={"reason": "voll"})
    assert declined.status_code == 200
    assert (declined.get_json()["status"], declined.get_json()["reason"]) == ("declined", "voll")
    items = a.get("/api/v1/notifications").get_json()["items"]
    (declined_note,) = [n for n in items if n["kind"] == "transfer_declined"]
    assert declined_note["payload"]["organization_name"] == sides["org_b"].name
    assert declined_note["payload"]["room_id"] == transfer["room_id"]
    assert b.post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 409
    assert _free(sides["listing_id"]) == 4


def test_other_districts_get_404(sides):
    a, c = sides["a"], sides["c"]
    transfer = _request(a, sides["listing_id"], 1).get_json()
    for path in ("", "/accept", "/release"):
        call = c.get if not path else c.post
        assert call(f"/api/v1/transfers/{transfer['id']}{path}").status_code == 404
    assert c.get("/api/v1/transfers").get_json()["items"] == []


def test_own_listing_and_bad_input(sides):
    b = sides["b"]
    response = _request(b, sides["listing_id"], 1)
    assert response.status_code == 422
    response = sides["a"].post("/api/v1/transfers", json={"listing_id": sides["listing_id"]})
    assert response.status_code == 422
    assert {"beds", "until"} <= set(response.get_json()["errors"]["json"])


def test_manual_listing_loses_and_regains_free_beds(sides, make_listing, make_user):  # noqa: F811
    official = make_user(role="official", org=sides["org_b"])
    listing = make_listing(kind="beds", owner=official, free_beds=10)
    a, b = sides["a"], sides["b"]
    transfer = _request(a, listing.id, 4).get_json()
    assert b.post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 200
    assert _free(listing.id) == 6
    # the date passes: the nightly command releases the beds
    db.session.execute(
        update(BedTransfer).where(BedTransfer.id == transfer["id"])
        .values(until=date.today() - timedelta(days=1))
    )
    assert transfers.release_due_transfers() == 1
    assert _free(listing.id) == 10
    assert b.get(f"/api/v1/transfers/{transfer['id']}").get_json()["status"] == "released"


def test_release_command(app, sides):
    transfer = _request(sides["a"], sides["listing_id"], 2).get_json()
    assert sides["b"].post(f"/api/v1/transfers/{transfer['id']}/accept").status_code == 200
    assert _free(sides["listing_id"]) == 2
    db.session.execute(
        update(BedTransfer).where(BedTransfer.id == transfer["id"])
        .values(until=date.today() - timedelta(days=1))
    )
    runner = app.test_cli_runner()
    result = contextvars.Context().run(runner.invoke, cli, ["release-transfers"])
    db.session.expire_all()
    assert result.exit_code == 0, result.output
    assert "Released 1" in result.output
    assert _free(sides["listing_id"]) == 4


def test_pages_request_and_accept(sides):
    a, b, listing_id = sides["a"], sides["b"], sides["listing_id"]
    form = a.get(f"/transfers/new?listing_id={listing_id}")
    assert form.status_code == 200
    assert b'data-testid="transfer-form"' in form.data
    sent = a.post("/transfers/new", data={
        "listing_id": listing_id, "beds": "2", "until": UNTIL, "message": "Hallo",
        "arrival_date": date.today().isoformat(), "csrf_token": a.csrf_token,
    })
    assert sent.status_code == 302
    (transfer,) = db.session.scalars(
        select(BedTransfer).where(BedTransfer.listing_id == listing_id)
    )
    page = b.get("/transfers")
    assert page.status_code == 200
    assert f'data-testid="accept-{transfer.id}"'.encode() in page.data
    accepted = b.post(f"/transfers/{transfer.id}/accept", data={"csrf_token": b.csrf_token})
    assert accepted.status_code == 302
    assert _free(listing_id) == 2
    assert sides["c"].post(f"/transfers/{transfer.id}/release",
                           data={"csrf_token": sides["c"].csrf_token}).status_code == 404


def test_the_page_shows_the_newest_requests_first_with_their_chat_room(sides, monkeypatch):
    from exchange.capacity import transfer_views

    a, b, listing_id = sides["a"], sides["b"], sides["listing_id"]
    made = []
    for _ in range(3):
        response = _request(a, listing_id, 1)
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    monkeypatch.setattr(transfer_views, "TRANSFER_PAGE", 2)

    for client, table in ((a, "outgoing"), (b, "incoming")):
        html = client.get("/transfers").get_data(as_text=True)
        section = html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
        shown = [int(i) for i in re.findall(r'data-testid="transfer-(\d+)"', section)]
        # The newest first; the oldest gave way, not the newest.
        assert shown == [made[2]["id"], made[1]["id"]]
        assert f'href="/chat/{made[2]["room_id"]}"' in section
