"""The Capacity part of API.md through HTTP: shapes, status codes, validation."""

from __future__ import annotations

import pytest

from tests.capacity.conftest import bed_ids
from tests.dates import iso

SHELTER = {
    "name": "Turnhalle Nord",
    "kind": "emergency",
    "address": {"street": "Sportweg 2", "postal_code": "04109", "city": "Leipzig"},
    "location": {"lat": 51.34, "lon": 12.37},
    "publish_capacity": True,
    "reserve_beds": 1,
}
PERSON = {
    "external_id": "BY-0001",
    "family_name": "Haddad",
    "given_names": "Lina",
    "birth_date": "1994-03-02",
    "gender": "f",
    "nationality": "SYR",
    "languages": ["ar", "en"],
    "religion": "muslim",
    "profession": "Lehrerin",
    "arrival_date": iso(-60),
}


@pytest.fixture
def caseworker(as_user, district):
    return as_user(role="caseworker", org=district)


def _create_shelter(client, district, **changes):
    response = client.post(
        "/api/v1/shelters", json={**SHELTER, "organization_id": district.id, **changes}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _add_room(client, shelter_id, **body):
    response = client.post(
        f"/api/v1/shelters/{shelter_id}/rooms",
        json={"name": "A1", "policy": "mixed", "accessible": False, "beds": 2, **body},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_shelters_rooms_beds_and_capacity(caseworker, district):
    shelter = _create_shelter(caseworker, district)
    assert shelter["organization_id"] == district.id
    assert shelter["address"] == SHELTER["address"]
    assert shelter["location"] == SHELTER["location"]
    assert shelter["listing_id"] is not None
    assert shelter["capacity"]["total"] == 0

    room = _add_room(caseworker, shelter["id"], beds=3, accessible=True)
    assert [b["label"] for b in room["beds"]] == ["1", "2", "3"]
    assert all(b["status"] == "available" and not b["occupied"] for b in room["beds"])
    assert (room["policy"], room["accessible"], room["free_beds"]) == ("mixed", True, 3)

    bed_id = room["beds"][0]["id"]
    blocked = caseworker.post(f"/api/v1/beds/{bed_id}/block", json={"reason": "Defekt"})
    assert blocked.status_code == 200
    assert (blocked.get_json()["status"], blocked.get_json()["block_reason"]) == (
        "blocked",
        "Defekt",
    )
    capacity = caseworker.get(f"/api/v1/shelters/{shelter['id']}/capacity").get_json()
    assert capacity == {
        "total": 3,
        "occupied": 0,
        "blocked": 1,
        "free": 2,
        "by_policy": {"male": 0, "female": 0, "family": 0, "mixed": 2},
        "accessible_free": 2,
        "free_published": 1,
        "held": 0,
    }
    assert caseworker.post(f"/api/v1/beds/{bed_id}/unblock").get_json()["status"] == "available"

    listing = caseworker.get(f"/api/v1/listings/{shelter['listing_id']}").get_json()
    assert (listing["kind"], listing["source"], listing["free_beds"]) == ("beds", "registry", 2)
    assert listing["shelter_id"] == shelter["id"]

    changed = caseworker.patch(
        f"/api/v1/shelters/{shelter['id']}", json={"reserve_beds": 0, "name": "Halle Nord"}
    ).get_json()
    assert (changed["name"], changed["capacity"]["free_published"]) == ("Halle Nord", 3)
    renamed = caseworker.patch(
        f"/api/v1/shelters/{shelter['id']}/rooms/{room['id']}", json={"policy": "female"}
    )
    assert renamed.get_json()["policy"] == "female"

    mine = caseworker.get("/api/v1/shelters").get_json()
    assert [s["id"] for s in mine["items"]] == [shelter["id"]]
    assert mine["items"][0]["capacity"]["by_policy"]["female"] == 3
    assert caseworker.get(f"/api/v1/shelters/{shelter['id']}").get_json()["name"] == "Halle Nord"
    rooms = caseworker.get(f"/api/v1/shelters/{shelter['id']}/rooms").get_json()
    assert [r["id"] for r in rooms] == [room["id"]]


def test_bad_input_is_a_422_per_field(caseworker, district):
    response = caseworker.post(
        "/api/v1/shelters",
        json={**SHELTER, "kind": "palace", "reserve_beds": -1, "location": {"lat": 99, "lon": 0}},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"kind", "reserve_beds", "location"}
    shelter = _create_shelter(caseworker, district)
    response = caseworker.post(
        f"/api/v1/shelters/{shelter['id']}/rooms", json={"name": "", "policy": "x", "beds": 501}
    )
    assert set(response.get_json()["errors"]["json"]) == {"name", "policy", "beds"}
    _add_room(caseworker, shelter["id"])
    duplicate = caseworker.post(
        f"/api/v1/shelters/{shelter['id']}/rooms", json={"name": "A1", "policy": "male"}
    )
    assert duplicate.status_code == 409 and "name" in duplicate.get_json()["errors"]["json"]
    bad_person = {"family_name": "", "gender": "w", "birth_date": "2999-01-01",
                  "languages": ["Arab"], "nationality": "syria"}
    response = caseworker.post("/api/v1/persons", json=bad_person)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == set(bad_person)
    response = caseworker.post("/api/v1/moves", json={"bed_ids": [1]})
    assert response.status_code == 422
    response = caseworker.post("/api/v1/placements/search", json={"accessible": True})
    assert response.status_code == 422


def test_persons_households_occupancy_and_moves(caseworker, district):
    shelter = _create_shelter(caseworker, district, reserve_beds=0)
    room = _add_room(caseworker, shelter["id"], policy="family", beds=4)
    beds = [b["id"] for b in room["beds"]]

    created = caseworker.post("/api/v1/persons", json={**PERSON, "organization_id": district.id})
    assert created.status_code == 201
    person = created.get_json()
    assert {k: person[k] for k in PERSON} == PERSON
    assert (person["current_bed_id"], person["possible_duplicates"]) == (None, [])
    again = caseworker.post("/api/v1/persons", json=PERSON)
    assert again.status_code == 409 and "external_id" in again.get_json()["errors"]["json"]
    child = caseworker.post("/api/v1/persons", json={
        "family_name": "Haddad", "given_names": "Sami", "gender": "m", "birth_date": "2020-07-07",
    }).get_json()

    household = caseworker.post(
        "/api/v1/households",
        json={
            "organization_id": district.id,
            "member_ids": [person["id"], child["id"]],
            "ref": "H-1",
        },
    )
    assert household.status_code == 201
    household = household.get_json()
    assert (household["member_ids"], household["ref"]) == ([person["id"], child["id"]], "H-1")
    assert caseworker.get(f"/api/v1/households/{household['id']}").get_json() == household

    occupancy = caseworker.post(
        "/api/v1/occupancies", json={"person_id": person["id"], "bed_id": beds[0]}
    )
    assert occupancy.status_code == 201
    occupancy = occupancy.get_json()
    assert occupancy["ended_at"] is None and occupancy["started_at"]
    taken = caseworker.post(
        "/api/v1/occupancies", json={"person_id": child["id"], "bed_id": beds[0]}
    )
    assert taken.status_code == 409

    moved = caseworker.post(
        "/api/v1/moves", json={"household_id": household["id"], "bed_ids": [beds[2], beds[3]]}
    )
    assert moved.status_code == 200, moved.get_json()
    moved = moved.get_json()
    assert [o["id"] for o in moved["ended"]] == [occupancy["id"]]
    assert [o["bed_id"] for o in moved["started"]] == [beds[2], beds[3]]
    assert moved["ended"][0]["ended_at"] == moved["started"][0]["started_at"]
    assert caseworker.get(f"/api/v1/persons/{child['id']}").get_json()["current_bed_id"] == beds[3]

    single = caseworker.post("/api/v1/moves", json={"person_id": child["id"], "bed_ids": [beds[0]]})
    assert single.status_code == 200
    (current,) = single.get_json()["started"]
    ended = caseworker.post(f"/api/v1/occupancies/{current['id']}/end")
    assert ended.status_code == 200 and ended.get_json()["ended_at"] is not None
    assert caseworker.post(f"/api/v1/occupancies/{current['id']}/end").status_code == 409
    capacity = caseworker.get(f"/api/v1/shelters/{shelter['id']}/capacity").get_json()
    assert (capacity["occupied"], capacity["free"]) == (1, 3)

    found = caseworker.get("/api/v1/persons", query_string={"q": "hadd"}).get_json()
    assert [p["id"] for p in found["items"]] == [person["id"], child["id"]]
    assert (
        caseworker.get("/api/v1/persons", query_string={"q": "BY-0001"}).get_json()["items"][0][
            "id"
        ]
        == person["id"]
    )
    patched = caseworker.patch(
        f"/api/v1/persons/{person['id']}", json={"profession": "Ärztin", "religion": None}
    )
    assert patched.status_code == 200
    assert (patched.get_json()["profession"], patched.get_json()["religion"]) == ("Ärztin", None)


def test_activities(caseworker, district):
    person = caseworker.post("/api/v1/persons", json=PERSON).get_json()
    url = f"/api/v1/persons/{person['id']}/activities"
    assert caseworker.post(url, json={"kind": "custom"}).status_code == 422
    later = caseworker.post(url, json={"kind": "bamf_hearing", "due_date": iso(10)})
    sooner = caseworker.post(
        url, json={"kind": "vaccination", "title": "Masern", "due_date": iso(3)}
    )
    assert later.status_code == sooner.status_code == 201
    assert later.get_json()["status"] == "open"
    listed = caseworker.get(url).get_json()
    assert [a["kind"] for a in listed] == ["vaccination", "bamf_hearing"]
    done = caseworker.patch(
        f"/api/v1/activities/{sooner.get_json()['id']}", json={"status": "done"}
    )
    assert done.status_code == 200 and done.get_json()["status"] == "done"


def test_placement_search(caseworker, district):
    shelter = _create_shelter(caseworker, district)
    _add_room(caseworker, shelter["id"], name="F", policy="female", beds=2)
    family = _add_room(
        caseworker, shelter["id"], name="Fam", policy="family", beds=3, accessible=True
    )
    response = caseworker.post(
        "/api/v1/placements/search",
        json={
            "persons": [{"gender": "f", "age": 30}, {"gender": "m", "age": 3}],
            "near": {"lat": 51.3, "lon": 12.3},
        },
    )
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert (item["room_id"], item["policy"], item["free_beds"], item["leftover"]) == (
        family["id"],
        "family",
        3,
        1,
    )
    assert len(item["bed_ids"]) == 2 and item["distance_km"] > 0
    woman = caseworker.post(
        "/api/v1/placements/search", json={"persons": [{"gender": "f"}], "accessible": True}
    )
    assert woman.get_json()["items"] == []


def test_organisation_capacity_and_audit(caseworker, as_user, district, make_user):
    shelter = _create_shelter(caseworker, district)
    _add_room(caseworker, shelter["id"], beds=4)
    official = as_user(role="official", org=district)
    totals = official.get(f"/api/v1/organizations/{district.id}/capacity").get_json()
    assert (totals["organization_id"], totals["shelters"], totals["total"], totals["free"]) == (
        district.id,
        1,
        4,
        4,
    )
    assert totals["free_published"] == 3
    trend = official.get(f"/api/v1/organizations/{district.id}/capacity/trend")
    assert trend.status_code == 200 and trend.get_json() == []

    person = caseworker.post("/api/v1/persons", json=PERSON).get_json()
    caseworker.get(f"/api/v1/persons/{person['id']}")
    admin = as_user(role="admin", org=district)
    log = admin.get(f"/api/v1/organizations/{district.id}/audit").get_json()
    assert [(row["person_id"], row["action"], row["user_id"]) for row in log["items"]] == [
        (person["id"], "create", caseworker.user.id),
        (person["id"], "read", caseworker.user.id),
    ]
    assert set(log["items"][0]) == {"id", "at", "user_id", "organization_id", "person_id", "action"}
    assert caseworker.get(f"/api/v1/organizations/{district.id}/audit").status_code == 404
    assert official.get(f"/api/v1/organizations/{district.id}/audit").status_code == 404


def test_calls_need_a_login(client):
    for method, url, body in [
        ("get", "/api/v1/shelters", None),
        ("post", "/api/v1/persons", {"family_name": "X", "gender": "f"}),
        ("get", "/api/v1/persons/1", None),
        ("post", "/api/v1/moves", {"person_id": 1, "bed_ids": [1]}),
        ("get", "/api/v1/organizations/1/capacity", None),
    ]:
        assert getattr(client, method)(url, json=body).status_code == 401, url


def test_bearer_tokens_work_without_csrf(app, bearer, make_user, district, make_shelter):
    user = make_user(role="caseworker", org=district)
    shelter = make_shelter(district, actor=user)
    client = app.test_client()
    response = client.post(
        "/api/v1/persons", json={"family_name": "Nour", "gender": "x"}, headers=bearer(user)
    )
    assert response.status_code == 201
    response = client.post(
        "/api/v1/occupancies",
        json={"person_id": response.get_json()["id"], "bed_id": bed_ids(shelter)[0]},
        headers=bearer(user),
    )
    assert response.status_code == 201
