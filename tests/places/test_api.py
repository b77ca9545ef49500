"""GET /places and /places/labels over the real gazetteer (the package's GeoNames data,
loaded once per test session like `exchange load-places` does)."""

from __future__ import annotations

import math

import pytest


@pytest.fixture
def caseworker(as_user):
    return as_user(role="caseworker")


def _items(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _km(a: dict, lat: float, lon: float) -> float:
    dlat, dlon = math.radians(a["lat"] - lat), math.radians(a["lon"] - lon)
    x = dlon * math.cos(math.radians((a["lat"] + lat) / 2))
    return 6371 * math.hypot(x, dlat)


def test_a_town_is_found_by_its_name_at_its_place(caseworker):
    first = _items(caseworker.get("/api/v1/places?q=Osnabrück"))[0]
    assert first["kind"] == "town"
    assert first["name"] == "Osnabrück" and first["state"] == "Niedersachsen"
    assert first["label"] == "Osnabrück"
    assert _km(first, 52.2799, 8.0472) < 5  # the town hall
    assert first["postcode_count"] > 5


def test_a_postcode_is_found_with_its_town(caseworker):
    first = _items(caseworker.get("/api/v1/places?q=49074"))[0]
    assert first["kind"] == "postcode"
    assert first["postal_code"] == "49074" and first["label"] == "49074 Osnabrück"
    assert _km(first, 52.2799, 8.0472) < 5


def test_a_small_town_is_found_too(caseworker):
    first = _items(caseworker.get("/api/v1/places?q=Bramsche"))[0]
    assert (first["name"], first["postal_code"]) == ("Bramsche", "49565")
    assert _km(first, 52.4088, 7.9729) < 5


@pytest.mark.parametrize("typed", ["osnabruck", "Osnabrueck", "Osnabrük", "osnab"])
def test_missing_umlauts_typos_and_beginnings_still_find_the_town(caseworker, typed):
    names = [item["name"] for item in _items(caseworker.get(f"/api/v1/places?q={typed}"))]
    assert names[0] == "Osnabrück", names


def test_the_first_digits_of_a_postcode_list_its_postcodes_in_order(caseworker):
    items = _items(caseworker.get("/api/v1/places?q=490&limit=5"))
    codes = [item["postal_code"] for item in items]
    assert codes == sorted(codes) and all(code.startswith("490") for code in codes)
    assert len(items) == 5


def test_a_postcode_with_a_name_keeps_only_that_town(caseworker):
    items = _items(caseworker.get("/api/v1/places?q=495 Bramsche"))
    assert [item["label"] for item in items] == ["49565 Bramsche"]


def test_larger_towns_come_first_among_equal_names(caseworker):
    items = _items(caseworker.get("/api/v1/places?q=Berlin&limit=3"))
    assert items[0]["name"] == "Berlin" and items[0]["postcode_count"] > 100


def test_nothing_found_is_an_empty_list(caseworker):
    assert _items(caseworker.get("/api/v1/places?q=Xqzvwy")) == []


@pytest.mark.parametrize("query", ["q=", "q=a", "q=%20%20-", "q=" + "x" * 101, "", "q=Osna&limit=0",
                                   "q=Osna&limit=21"])
def test_bad_input_is_a_422_naming_the_field(caseworker, query):
    response = caseworker.get("/api/v1/places?" + query)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["query"]
    assert set(errors) <= {"q", "limit"} and errors


def test_the_place_names_of_a_map_area_are_its_largest_towns_first(caseworker):
    # Around Osnabrück: the town itself comes before the villages.
    items = _items(caseworker.get("/api/v1/places/labels?bbox=7.7,52.1,8.4,52.5&limit=10"))
    assert items[0]["name"] == "Osnabrück"
    counts = [item["postcode_count"] for item in items]
    assert counts == sorted(counts, reverse=True) and len(items) == 10
    assert all(7.7 <= item["lon"] <= 8.4 and 52.1 <= item["lat"] <= 52.5 for item in items)


def test_zoomed_in_the_postcodes_of_the_view_are_named_and_the_centre_always_is(caseworker):
    # A few streets of Osnabrück's centre: no town's point in view, but its postcodes and
    # the postcode nearest to the centre.
    far = _items(caseworker.get("/api/v1/places/labels?bbox=8.03,52.26,8.06,52.28&zoom=11"))
    assert all(item["kind"] == "town" for item in far)
    answer = caseworker.get("/api/v1/places/labels?bbox=8.03,52.26,8.06,52.28&zoom=15")
    near = _items(answer)
    assert {"postcode"} <= {item["kind"] for item in near}
    assert all(item["name"] == "Osnabrück" for item in near if item["kind"] == "postcode")
    nearest = answer.get_json()["nearest"]
    assert nearest["kind"] == "postcode" and nearest["name"] == "Osnabrück"
    # Even a view of a few metres says where it is.
    tiny = caseworker.get("/api/v1/places/labels?bbox=7.9728,52.4087,7.9730,52.4089&zoom=18")
    assert tiny.get_json()["nearest"]["label"] == "49565 Bramsche"


def test_the_place_names_need_a_valid_area(caseworker):
    response = caseworker.get("/api/v1/places/labels?bbox=8.4,52.1,7.7,52.5")
    assert response.status_code == 422
    assert "bbox" in response.get_json()["errors"]["query"]


def test_places_are_for_signed_in_users_only(client):
    assert client.get("/api/v1/places?q=Osnabrück").status_code == 401
    assert client.get("/api/v1/places/labels?bbox=7,52,8,53").status_code == 401


def test_every_organisation_gets_the_same_public_answer(as_user, make_org):
    """The gazetteer is public reference data: no tenant's ids or data in it, the same
    answer for a landlord and another district's caseworker."""
    landlord = as_user(role="landlord")
    other = as_user(role="caseworker", org=make_org("district"))
    assert (landlord.get("/api/v1/places?q=49565").get_json()
            == other.get("/api/v1/places?q=49565").get_json())
