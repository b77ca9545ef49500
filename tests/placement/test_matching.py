"""Matching: the flats that fit a household (its caseworkers), the waiting households that
fit a flat (its owner side and officials: counts, never names), and 404 for every other
district's ids."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from exchange.capacity.models import Person, PersonAudit
from exchange.extensions import db
from tests.dates import day, iso

from .conftest import MUNICH, POTSDAM


def _flats(client, household_id, query=""):
    answer = client.get(f"/api/v1/households/{household_id}/fitting-flats{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_household_finds_the_flats_that_fit_best_first(
        region, make_limits, make_listing, make_household, as_user):
    make_limits(region["district"], region["mitte"])
    make_limits(region["district"], region["potsdam"])
    household = make_household(region["district"], size=3, municipality=region["mitte"])
    near = make_listing()  # at Mitte's seat: 800 € for 3 (limit 850)
    cheaper_farther = make_listing(lat=POTSDAM[0], lon=POTSDAM[1], rent_cold=Decimal("500"))
    make_listing(rent_cold=Decimal("900"))  # above the limit for 3
    make_listing(max_occupants=2)  # no room for three
    make_listing(available_from=day(30))  # not yet available
    make_listing(lat=MUNICH[0], lon=MUNICH[1])  # beyond the radius
    make_listing(status="draft")
    caseworker = as_user(role="caseworker", org=region["district"])
    answer = _flats(caseworker, household.id)
    assert answer["household_size"] == 3
    ids = [item["id"] for item in answer["items"]]
    assert set(ids) == {near.id, cheaper_farther.id}
    scores = [Decimal(item["score"]) for item in answer["items"]]
    assert scores == sorted(scores, reverse=True)
    by_id = {item["id"]: item for item in answer["items"]}
    assert by_id[near.id]["max_gross_rent"] == "850.00"
    assert by_id[cheaper_farther.id]["distance_km"] > 20
    later = _flats(caseworker, household.id, f"?available_by={iso(40)}")
    assert len(later["items"]) == 3


def test_a_household_needing_step_free_access_gets_accessible_flats_only(
        region, make_limits, make_listing, make_household, as_user):
    make_limits(region["district"], region["mitte"])
    household = make_household(region["district"], size=3, municipality=region["mitte"],
                               step_free=True)
    make_listing(accessible=False)
    accessible = make_listing(accessible=True)
    caseworker = as_user(role="caseworker", org=region["district"])
    assert [i["id"] for i in _flats(caseworker, household.id)["items"]] == [accessible.id]


def test_caseworkers_record_the_needs_audited(region, make_household, as_user):
    household = make_household(region["district"], size=2, waiting=False)
    caseworker = as_user(role="caseworker", org=region["district"])
    answer = caseworker.put(f"/api/v1/households/{household.id}/needs", json={
        "assigned_municipality_id": region["potsdam"].id, "needs_step_free": True,
        "radius_km": 15})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["needs_step_free"] is True
    members = db.session.scalars(select(Person.id).where(
        Person.household_id == household.id)).all()
    audited = db.session.scalars(select(PersonAudit.person_id).where(
        PersonAudit.action == "placement_needs")).all()
    assert sorted(audited) == sorted(members)
    bad = caseworker.put(f"/api/v1/households/{household.id}/needs",
                         json={"radius_km": 0})
    assert bad.status_code == 422 and "radius_km" in bad.get_json()["errors"]["json"]


def test_another_districts_household_answers_404(region, make_household, as_user, make_org):
    household = make_household(region["district"], size=2, waiting=False)
    stranger = as_user(role="caseworker", org=region["other"])
    for path in ("fitting-flats", "needs"):
        assert stranger.get(f"/api/v1/households/{household.id}/{path}").status_code == 404
    assert stranger.put(f"/api/v1/households/{household.id}/needs",
                        json={"needs_step_free": True}).status_code == 404
    assert stranger.get(f"/households/{household.id}").status_code == 404
    official = as_user(role="official", org=region["district"])
    assert official.get(f"/api/v1/households/{household.id}/fitting-flats").status_code == 404
    landlord = as_user(role="landlord")
    assert landlord.get(f"/api/v1/households/{household.id}/needs").status_code == 404


def test_a_flat_shows_the_shape_of_the_households_that_fit_never_names(
        region, make_limits, make_listing, make_household, as_user, make_user):
    make_limits(region["district"], region["mitte"])
    owner = make_user(role="landlord")
    flat = make_listing(owner=owner, accessible=True)  # fits 3 and 4
    for _ in range(3):
        make_household(region["district"], size=4, municipality=region["mitte"])
    make_household(region["district"], size=4, municipality=region["mitte"], step_free=True)
    make_household(region["district"], size=3, municipality=region["mitte"])
    make_household(region["district"], size=2, municipality=region["mitte"])  # too dear for 2
    make_household(region["district"], size=4, municipality=region["mitte"], waiting=False)
    make_household(region["other"], size=4, municipality=region["munich"])  # too far
    answer = as_user(user=owner).get(f"/api/v1/listings/{flat.id}/fitting-households")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    groups = {(g["household_size"], g["households"], g["needs_step_free"]) for g in body["groups"]}
    assert groups == {(3, 1, 0), (4, 4, 1)}
    assert body["more"] is False
    text = answer.get_data(as_text=True)
    names = db.session.scalars(select(Person.family_name)).all()
    assert not any(name in text for name in names)
    # Officials of any district see the counts too.
    official = as_user(role="official", org=region["other"])
    assert official.get(f"/api/v1/listings/{flat.id}/fitting-households").status_code == 200


def test_only_the_owner_side_and_officials_see_a_flats_households(
        region, make_listing, as_user, make_user):
    owner = make_user(role="landlord")
    flat = make_listing(owner=owner)
    draft = make_listing(owner=owner, status="draft")
    other_landlord = as_user(role="landlord")
    assert other_landlord.get(
        f"/api/v1/listings/{flat.id}/fitting-households").status_code == 404
    caseworker = as_user(role="caseworker", org=region["other"])
    assert caseworker.get(f"/api/v1/listings/{flat.id}/fitting-households").status_code == 404
    official = as_user(role="official", org=region["other"])
    assert official.get(f"/api/v1/listings/{draft.id}/fitting-households").status_code == 404
    beds = make_listing(kind="beds")
    assert official.get(f"/api/v1/listings/{beds.id}/fitting-households").status_code == 404


def test_the_household_page_shows_needs_and_flats(region, make_limits, make_listing,
                                                  make_household, as_user):
    make_limits(region["district"], region["mitte"])
    household = make_household(region["district"], size=3, municipality=region["mitte"])
    flat = make_listing(title="Wohnung am Markt")
    caseworker = as_user(role="caseworker", org=region["district"])
    old = caseworker.get(f"/placement/households/{household.id}?available_by={iso(3)}")
    assert old.status_code == 302
    assert old.headers["Location"].endswith(f"/households/{household.id}?available_by={iso(3)}")
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Wohnung am Markt" in page
    assert f"fitting-flat-{flat.id}" in page
    # One page: the matching list proposes with a button, next to the proposals.
    assert f'data-testid="propose-flat-{flat.id}"' in page
    assert 'data-testid="household-proposals"' in page
    proposed = caseworker.post(f"/households/{household.id}/propose", data={
        "listing_id": str(flat.id), "csrf_token": caseworker.csrf_token})
    assert proposed.status_code == 302 and "/proposals/" in proposed.headers["Location"]
    assert "Wohnung am Markt" in caseworker.get(f"/households/{household.id}").get_data(
        as_text=True).split('data-testid="household-proposals"')[1]
    saved = caseworker.post(f"/placement/households/{household.id}", data={
        "assigned_municipality_id": str(region["potsdam"].id), "radius_km": "10",
        "csrf_token": caseworker.csrf_token})
    assert saved.status_code == 302
