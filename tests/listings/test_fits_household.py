"""The filter fits_household: flats appropriate for a household of that size today (room
for all, rent + utilities and area within the limits of the flat's municipality), on the
search, the clusters and in saved searches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.listings.filters import ListingFilter
from tests.placement.conftest import make_limits, region  # noqa: F401

BBOX = "13.0,52.3,13.7,52.7"


@pytest.fixture
def flats(region, make_limits, make_listing):  # noqa: F811
    make_limits(region["district"], region["mitte"])
    return {
        "for_3_and_4": make_listing(),  # 62 m², 800 €
        "dear": make_listing(rent_cold=Decimal("1200.00")),
        "for_1": make_listing(max_occupants=1, area_m2=Decimal("40"),
                              rent_cold=Decimal("400.00"), utilities=Decimal("80.00")),
        "beds": make_listing(kind="beds"),
    }


def _ids(client, query):
    answer = client.get(f"/api/v1/listings?bbox={BBOX}&{query}")
    assert answer.status_code == 200, answer.get_json()
    return {item["id"] for item in answer.get_json()["items"]}


def test_search_keeps_the_flats_that_fit(region, flats, as_user):  # noqa: F811
    official = as_user(role="official", org=region["district"])
    assert _ids(official, "fits_household=4") == {flats["for_3_and_4"].id}
    assert _ids(official, "fits_household=1") == {flats["for_1"].id}
    assert _ids(official, "fits_household=2") == set()
    assert len(_ids(official, "")) == 4
    near = _ids(official, "fits_household=3&near=52.52,13.40&radius_km=5")
    assert near == {flats["for_3_and_4"].id}


def test_clusters_count_only_the_flats_that_fit(region, flats, as_user):  # noqa: F811
    official = as_user(role="official", org=region["district"])
    answer = official.get(f"/api/v1/listings/clusters?bbox={BBOX}&zoom=8&fits_household=4")
    assert answer.status_code == 200, answer.get_json()
    assert sum(c["count"] for c in answer.get_json()["clusters"]) == 1
    everything = official.get(f"/api/v1/listings/clusters?bbox={BBOX}&zoom=8").get_json()
    assert sum(c["count"] for c in everything["clusters"]) == 4


def test_a_bad_size_is_a_422_naming_the_parameter(region, as_user):  # noqa: F811
    official = as_user(role="official", org=region["district"])
    answer = official.get("/api/v1/listings?fits_household=0")
    assert answer.status_code == 422
    assert "fits_household" in answer.get_json()["errors"]["query"]


def test_saved_searches_keep_the_size():
    saved = ListingFilter(fits_household=4).to_saved()
    assert saved == {"fits_household": 4}
    assert ListingFilter.from_saved(saved).fits_household == 4
