"""Every registered notification kind leads its reader to a page where its action can be
taken (issue 14, point 1): the test walks the kinds the feed knows (texts.kind_labels), so
a kind added without a page that answers it fails here.

Where a kind is cheap to cause for real (bed requests, a reservation, an invitation, a
concept), the domain writes it; the others get the payload their domain writes, naming
real objects."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable
from datetime import date, timedelta

from exchange import notifications
from exchange.extensions import db
from exchange.notifications import texts
from exchange.profiles import invitations
from tests.capacity.conftest import make_person as make_person  # noqa: F401  (fixture)
from tests.capacity.conftest import make_shelter as make_shelter  # noqa: F401  (fixture)
from tests.capacity.conftest import sides as sides  # noqa: F401  (fixture)
from tests.placement.proposal_fixtures import build_world as proposal_world
from tests.placement.proposal_fixtures import propose

UNTIL = (date.today() + timedelta(days=30)).isoformat()


def _page_config(page: str) -> dict:
    match = re.search(r'id="page-config">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def _link(client, kind: str) -> str:
    """The link of the reader's newest notification of ``kind`` in their feed."""
    panel = client.get("/notifications/panel").get_data(as_text=True)
    match = re.search(rf'data-kind="{kind}"[^>]*>\s*<a href="([^"]+)"', panel)
    assert match is not None, f"{kind}: no link in the feed"
    return html_lib.unescape(match.group(1))


def _follow(client, kind: str) -> str:
    link = _link(client, kind)
    page = client.get(link)
    assert page.status_code == 200, (kind, link)
    return page.get_data(as_text=True)


def _has(marker: str) -> Callable[[str], bool]:
    return lambda page: marker in page


def _config(key: str, value) -> Callable[[str], bool]:
    return lambda page: _page_config(page).get(key) == value


def test_every_kind_links_to_a_page_with_its_action(
    sides, as_user, make_user, make_org, make_room, make_listing, make_shelter,  # noqa: F811
    make_person,  # noqa: F811
):
    a, b = sides["a"], sides["b"]
    walked: set[str] = set()

    def check(kind: str, reader, offers_action: Callable[[str], bool]) -> None:
        """The reader's newest ``kind`` leads to a page that offers its action now."""
        db.session.flush()
        assert offers_action(_follow(reader, kind)), kind
        walked.add(kind)

    def ask(beds: int = 1) -> dict:
        answer = a.post("/api/v1/transfers", json={
            "listing_id": sides["listing_id"], "beds": beds, "until": UNTIL})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    # Bed requests, caused for real: each side lands where it acts next.
    asked = ask()
    check("transfer_requested", b, _has(f'data-testid="accept-{asked["id"]}"'))
    assert b.post(f"/api/v1/transfers/{asked['id']}/accept").status_code == 200
    check("transfer_accepted", a, _has(f'data-testid="release-{asked["id"]}"'))
    assert a.post(f"/api/v1/transfers/{asked['id']}/release").status_code == 200
    check("transfer_released", b, _has('data-testid="transfer-status"'))
    declined = ask()
    assert b.post(f"/api/v1/transfers/{declined['id']}/decline").status_code == 200
    check("transfer_declined", a, _has('data-testid="transfer-find-beds"'))
    withdrawn = ask()
    assert a.post(f"/api/v1/transfers/{withdrawn['id']}/withdraw").status_code == 200
    check("transfer_withdrawn", b, _has('data-testid="transfer-status"'))

    # The forecast's warning: the admin lands on the dashboard, at the threshold's form.
    admin = as_user(role="admin", org=sides["org_a"])
    threshold = admin.put(f"/api/v1/capacity/organizations/{sides['org_a'].id}/forecast/"
                          "threshold", json={"threshold": 1})  # nothing free: below at once
    assert threshold.status_code == 200, threshold.get_json()
    check("forecast_below_threshold", admin, _has('data-testid="threshold-form"'))

    # A reservation: the landlord lands in the conversation with the official.
    landlord = as_user("landlord")
    flat = make_listing(owner=landlord.user, title="Wohnung am Markt")
    assert a.post(f"/api/v1/listings/{flat.id}/reserve").status_code == 200
    room_id = landlord.get("/api/v1/notifications").get_json()["items"][0]["payload"]["room_id"]
    check("listing_requested", landlord, _config("room_id", room_id))
    # The landlord withdraws it: the official is sent to the map to look for another.
    assert landlord.post(f"/api/v1/listings/{flat.id}/withdraw").status_code == 200
    check("listing_reservation_ended", a, _config("map_url", "/map"))

    # Proposals: each side lands on the proposal's page, where its next step is.
    world = proposal_world(make_org, make_user, as_user, make_shelter, make_person,
                           make_listing)
    made = propose(world)
    check("proposal_made", world.landlord.client, _has(f'data-testid="accept-{made["id"]}"'))
    url = f"/api/v1/proposals/{made['id']}"
    assert world.landlord.client.post(f"{url}/viewing", json={}).status_code == 200
    check("proposal_viewing", world.caseworker.client,
          _has(f'data-testid="withdraw-{made["id"]}"'))
    assert world.landlord.client.post(f"{url}/accept").status_code == 200
    check("proposal_accepted", world.caseworker.client,
          _has(f'data-testid="moved_in-{made["id"]}"'))
    assert world.caseworker.client.post(f"{url}/moved-in").status_code == 200
    check("proposal_moved_in", world.landlord.client, _has('data-testid="proposal-state"'))
    again = proposal_world(make_org, make_user, as_user, make_shelter, make_person,
                           make_listing)
    declined = propose(again)
    assert again.landlord.client.post(f"/api/v1/proposals/{declined['id']}/decline",
                                      json={"reason": "zu klein"}).status_code == 200
    check("proposal_declined", again.caseworker.client, _has('data-testid="proposal-state"'))
    withdrawn = again.caseworker.client.post("/api/v1/proposals", json={
        "household_id": again.household.id, "listing_id": again.flat.id}).get_json()
    assert again.caseworker.client.post(
        f"/api/v1/proposals/{withdrawn['id']}/withdraw", json={}).status_code == 200
    check("proposal_withdrawn", again.landlord.client, _has('data-testid="proposal-state"'))

    # The owner's listing notices lead to the listing (confirm, withdraw, publish there).
    owner = as_user("landlord")
    own = make_listing(owner=owner.user, title="Eigene Wohnung")
    for kind in ("listing_expiring", "listing_flagged", "listing_expired"):
        notifications.notify(owner.user.id, kind, {"listing_id": own.id, "title": own.title})
        check(kind, owner, _config("listing_id", own.id))
    match = make_listing(title="Neue Wohnung am Wall")
    notifications.notify(a.user.id, "saved_search_match",
                         {"listing_id": match.id, "title": match.title, "saved_search_name": "x"})
    check("saved_search_match", a, _config("listing_id", match.id))

    # Mentions and replies lead into the room (to answer there).
    room = make_room(b.user, a.user, name="Lagebesprechung")
    for kind in ("chat_mention", "chat_reply"):
        notifications.notify(a.user.id, kind, {"room_id": room.id, "room_name": room.name,
                                               "author": {"name": b.user.name}})
        check(kind, a, _config("room_id", room.id))

    # An invitation is accepted on the organisation's page.
    guest = as_user("official")
    inviting = sides["org_b"]
    invitations.invite(make_user(role="admin", org=inviting), inviting.id, guest.user.email,
                       "official")
    check("invitation", guest, _has('data-testid="accept-invitation"'))

    # Membership and verification decisions lead to the organisation they are about.
    company = make_org("landlord")
    for kind in ("membership_approved", "membership_rejected", "landlord_verified",
                 "landlord_rejected"):
        notifications.notify(landlord.user.id, kind, {"organization_id": company.id,
                                                      "organization_name": company.name})
        marker = 'data-testid="verification"' if kind.startswith("landlord") else company.name
        check(kind, landlord, _has(marker))

    # A concept on a followed topic: read and comment there.
    concept = a.post("/api/v1/concepts", json={
        "title": "Wohnraum finden", "summary": "", "body": "Text", "topics": ["housing"]})
    assert concept.status_code == 201, concept.get_json()
    notifications.notify(b.user.id, "concept", {
        "concept_id": concept.get_json()["id"], "title": "Wohnraum finden",
        "author": {"name": a.user.name}})
    check("concept", b, _has(f'/concepts/{concept.get_json()["id"]}/comments'))
    assert walked == set(texts.kind_labels()), "a notification kind is not walked"
