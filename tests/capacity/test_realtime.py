"""Socket.IO: `capacity` events after commit to the organisation's staff (and the ones above
it) and, for published shelters, to the map's audience; the listing's own `listing`
event; counts only, never a person."""

from __future__ import annotations

import json

from exchange.capacity import occupancy
from exchange.capacity.models import PERSON_FIELDS
from exchange.extensions import db
from tests.capacity.conftest import bed_ids
from tests.conftest import own_app_context

# No key of a person may travel in these events (the registry's fields, and the id).
PERSON_KEYS = {*PERSON_FIELDS, "person_id"}


def _events(sock) -> dict[str, list[dict]]:
    """Everything the socket received since last asked, by event name."""
    with own_app_context():
        events = sock.get_received()
    heard: dict[str, list[dict]] = {}
    for event in events:
        heard.setdefault(event["name"], []).append(event["args"][0])
    return heard


def _connect(socket_client, client):
    sock = socket_client(client)
    assert sock.is_connected()
    sock.get_received()
    return sock


def test_capacity_and_listing_events_reach_staff_and_map_after_commit(
    as_user, socket_client, make_org, make_shelter, make_person
):
    district = make_org("district")
    municipality = make_org("municipality", parent=district)
    caseworker = as_user(role="caseworker", org=municipality)
    shelter = make_shelter(municipality, rooms=[("mixed", 3)], publish=True, reserve_beds=1)
    person = make_person(
        municipality,
        family_name="Rahimi",
        given_names="Soraya",
        religion="sunni",
        health_notes="Asthma",
    )
    db.session.commit()
    socks = {
        "district official": _connect(socket_client, as_user(role="official", org=district)),
        "own caseworker": _connect(socket_client, caseworker),
        "official elsewhere": _connect(socket_client, as_user(role="official")),
        "landlord": _connect(socket_client, as_user(role="landlord")),
    }

    response = caseworker.post(
        "/api/v1/occupancies", json={"person_id": person.id, "bed_id": bed_ids(shelter)[0]}
    )
    assert response.status_code == 201
    expected = {
        "shelter_id": shelter.id,
        "organization_id": municipality.id,
        "free": 2,
        "free_published": 1,
        "listing_id": shelter.listing_id,
    }
    heard = {name: _events(sock) for name, sock in socks.items()}
    for name in ("district official", "own caseworker", "official elsewhere"):
        assert heard[name]["capacity"] == [expected], name
    assert heard["landlord"] == {}

    (listing_event,) = heard["official elsewhere"]["listing"]
    assert listing_event["event"] == "updated"
    assert listing_event["listing"]["free_beds"] == 1
    assert listing_event["listing"]["beds_by_policy"]["mixed"] == 1

    # Counts only: no person field, no personal value anywhere in what is published.
    published = json.dumps([expected, listing_event])
    assert not PERSON_KEYS & set(listing_event["listing"]) and not PERSON_KEYS & set(expected)
    for value in ("Rahimi", "Soraya", "sunni", "Asthma"):
        assert value not in published


def test_an_unpublished_shelter_is_heard_by_its_staff_only(
    as_user, socket_client, make_org, make_shelter, make_person
):
    district = make_org("district")
    caseworker = as_user(role="caseworker", org=district)
    shelter = make_shelter(district, rooms=[("mixed", 2)])
    person = make_person(district)
    db.session.commit()
    own = _connect(socket_client, as_user(role="official", org=district))
    other = _connect(socket_client, as_user(role="official"))

    caseworker.post(
        "/api/v1/occupancies", json={"person_id": person.id, "bed_id": bed_ids(shelter)[0]}
    )
    assert _events(own).get("capacity") == [
        {
            "shelter_id": shelter.id,
            "organization_id": district.id,
            "free": 1,
            "free_published": 0,
            "listing_id": None,
        }
    ]
    assert _events(other) == {}


def test_withdrawing_publication_is_announced(as_user, socket_client, make_org, make_shelter):
    district = make_org("district")
    caseworker = as_user(role="caseworker", org=district)
    shelter = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    db.session.commit()
    official = _connect(socket_client, as_user(role="official"))
    caseworker.patch(f"/api/v1/shelters/{shelter.id}", json={"publish_capacity": False})
    (event,) = _events(official)["listing"]
    assert (event["event"], event["listing"]["status"]) == ("withdrawn", "withdrawn")


def test_nothing_is_emitted_for_a_rolled_back_change(
    socket_client, as_user, make_org, make_user, make_shelter, make_person
):
    district = make_org("district")
    shelter = make_shelter(district, rooms=[("mixed", 2)], publish=True)
    person = make_person(district)
    actor = make_user(role="caseworker", org=district)
    db.session.commit()
    sock = _connect(socket_client, as_user(role="official", org=district))
    occupancy.check_in(actor, person.id, bed_ids(shelter)[0])
    db.session.rollback()
    assert _events(sock) == {}


def test_a_move_that_changes_no_published_figure_leaves_the_listing_alone(
    as_user, socket_client, make_org, make_shelter, make_person
):
    district = make_org("district")
    caseworker = as_user(role="caseworker", org=district)
    shelter = make_shelter(district, rooms=[("mixed", 3)], publish=True)
    person = make_person(district)
    one, two, _three = bed_ids(shelter)
    caseworker.post("/api/v1/occupancies", json={"person_id": person.id, "bed_id": one})
    official = _connect(socket_client, as_user(role="official"))
    response = caseworker.post("/api/v1/moves", json={"person_id": person.id, "bed_ids": [two]})
    assert response.status_code == 200
    heard = _events(official)
    assert "listing" not in heard
    assert [event["free"] for event in heard["capacity"]] == [2]
