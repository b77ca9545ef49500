"""The free-bed forecast (issue 18, point 4): week by week from today's free beds, announced
allocations, planned move-outs and shelters opening; the week the beds run out, in total and
per shelter kind; the admins' threshold warning, once per crossing; another district's ids
answer 404; bad input a 422 naming the field, with nothing written.

Every date is built from today: ``monday(k)`` is the first day of the k-th calendar week
after the current one (week index k in the forecast; index 0 is this week, from today)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exchange.capacity import allocations, forecast
from exchange.capacity.models import Allocation, ForecastSetting, PlannedMoveOut
from exchange.extensions import db
from exchange.notifications.models import Notification
from tests.dates import day, iso

API = "/api/v1/capacity"


def monday(k: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=k)


@pytest.fixture
def district_staff(district, make_user, as_user):
    return {
        "caseworker": as_user(role="caseworker", org=district),
        "admin": as_user(role="admin", org=district),
    }


def _forecast(client, org_id: int) -> dict:
    answer = client.get(f"{API}/organizations/{org_id}/forecast")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _allocate(client, org_id: int, when: date, persons: int, **extra):
    return client.post(f"{API}/organizations/{org_id}/allocations",
                       json={"arrives_on": when.isoformat(), "persons": persons, **extra})


def _warnings(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.kind == forecast.WARNING_KIND))


def test_figures_week_by_week(district, district_staff, make_shelter):
    caseworker = district_staff["caseworker"]
    shelter = make_shelter(district, rooms=[("mixed", 10)], actor=caseworker.user)
    make_shelter(district, rooms=[("family", 5)], kind="flat", opens_on=monday(3),
                 actor=caseworker.user)
    assert _allocate(caseworker, district.id, date.today(), 4).status_code == 201
    assert _allocate(caseworker, district.id, monday(2), 3, households=[2, 1]).status_code == 201
    moved = caseworker.post(f"{API}/move-outs", json={
        "shelter_id": shelter.id, "moves_on": monday(1).isoformat(), "persons": 2})
    assert moved.status_code == 201, moved.get_json()

    result = _forecast(caseworker, district.id)
    assert result["free_today"] == 10  # the flats are not open yet
    weeks = result["weeks"]
    assert len(weeks) == 12
    assert weeks[0]["starts_on"] == iso(0)
    assert weeks[1]["starts_on"] == monday(1).isoformat()
    assert weeks[1]["ends_on"] == (monday(1) + timedelta(days=6)).isoformat()
    assert [w["free"] for w in weeks] == [6, 8, 5, 10, 10, 10, 10, 10, 10, 10, 10, 10]
    assert (weeks[0]["arrivals"], weeks[1]["move_outs"], weeks[3]["new_beds"]) == (4, 2, 5)
    # The 7 arrivals meant for no kind lower the total only.
    assert weeks[3]["by_kind"] == {"collective": 12, "flat": 5}
    assert result["runs_out_on"] is None
    assert result["lowest"] == 5


def test_past_and_far_dates_do_not_count(district, district_staff, make_shelter):
    caseworker = district_staff["caseworker"]
    make_shelter(district, rooms=[("mixed", 4)], actor=caseworker.user)
    db.session.add_all([
        Allocation(organization_id=district.id, arrives_on=day(-3), persons=3),
        Allocation(organization_id=district.id, arrives_on=monday(13), persons=3),
    ])
    db.session.flush()
    assert {w["free"] for w in _forecast(caseworker, district.id)["weeks"]} == {4}


def test_the_week_they_run_out_in_total_and_per_kind(district, district_staff, make_shelter):
    caseworker = district_staff["caseworker"]
    make_shelter(district, rooms=[("mixed", 3)], actor=caseworker.user)
    make_shelter(district, rooms=[("family", 2)], kind="flat", actor=caseworker.user)
    _allocate(caseworker, district.id, monday(1), 3, shelter_kind="collective")
    _allocate(caseworker, district.id, monday(2), 5)  # not yet meant for a kind

    result = _forecast(caseworker, district.id)
    assert result["runs_out_by_kind"] == {"collective": monday(1).isoformat(), "flat": None}
    assert result["runs_out_on"] == monday(2).isoformat()
    assert [w["free"] for w in result["weeks"][:3]] == [5, 2, -3]
    assert result["weeks"][2]["by_kind"] == {"collective": 0, "flat": 2}


def test_the_dashboard_shows_chart_and_table(district, district_staff, make_shelter, as_user):
    caseworker = district_staff["caseworker"]
    make_shelter(district, rooms=[("mixed", 3)], actor=caseworker.user)
    _allocate(caseworker, district.id, monday(1), 4)
    page = caseworker.get(f"/capacity/{district.id}").get_data(as_text=True)
    assert 'data-testid="forecast-chart"' in page
    assert 'data-testid="forecast-free-2"' in page and "<b>-1</b>" in page
    assert 'data-testid="threshold-form"' not in page  # admins set it
    assert 'data-testid="threshold-form"' in district_staff["admin"].get(
        f"/capacity/{district.id}").get_data(as_text=True)
    fragment = caseworker.get(f"/capacity/{district.id}/forecast")
    assert fragment.status_code == 200
    assert 'data-testid="forecast-table"' in fragment.get_data(as_text=True)
    # Officials see the counts, not the forecast.
    official = as_user(role="official", org=district)
    assert 'data-testid="forecast"' not in official.get(
        f"/capacity/{district.id}").get_data(as_text=True)
    assert official.get(f"/capacity/{district.id}/forecast").status_code == 404


def test_english_and_german(district, district_staff, make_shelter):
    caseworker = district_staff["caseworker"]
    make_shelter(district, rooms=[("mixed", 3)], actor=caseworker.user)
    pages = {}
    for language in ("de", "en"):
        with caseworker.session_transaction() as session:  # the language switch's choice
            session["locale"] = language
        pages[language] = caseworker.get(f"/capacity/{district.id}/forecast").get_data(
            as_text=True)
    german, english = pages["de"], pages["en"]
    assert "Freie Betten" in german and "Gemeinschaftsunterkünfte" in german
    assert "Free beds" in english and "Collective shelters" in english


def test_the_threshold_warns_the_admins_once_per_crossing(
    district, district_staff, make_shelter, run
):
    caseworker, admin = district_staff["caseworker"], district_staff["admin"]
    make_shelter(district, rooms=[("mixed", 10)], actor=caseworker.user)
    set_it = admin.put(f"{API}/organizations/{district.id}/forecast/threshold",
                       json={"threshold": 5})
    assert set_it.status_code == 200 and set_it.get_json()["below_threshold"] is False
    assert _warnings(admin.user.id) == 0

    first = _allocate(caseworker, district.id, monday(1), 6).get_json()
    assert _warnings(admin.user.id) == 1
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == admin.user.id, Notification.kind == forecast.WARNING_KIND))
    assert notification.payload["week_of"] == monday(1).isoformat()
    assert notification.payload["lowest"] == 4
    assert _warnings(caseworker.user.id) == 0  # admins are warned

    # Still below: no second warning, neither by another change nor by the daily check.
    second = _allocate(caseworker, district.id, monday(2), 1).get_json()
    assert _warnings(admin.user.id) == 1
    result = run("forecast-check")
    assert result.exit_code == 0, result.output
    assert "warned 0 admin(s)" in result.output
    assert _warnings(admin.user.id) == 1

    # Back above, then below again: a new crossing, a new warning.
    for allocation in (first, second):
        assert caseworker.delete(f"{API}/allocations/{allocation['id']}").status_code == 204
    assert db.session.get(ForecastSetting, district.id).warned_at is None
    _allocate(caseworker, district.id, monday(1), 7)
    assert _warnings(admin.user.id) == 2
    feed = admin.get("/notifications/panel").get_data(as_text=True)
    assert f"/capacity/{district.id}" in feed


def test_a_shelter_opening_later_moves_the_forecast(district, district_staff, make_shelter):
    caseworker = district_staff["caseworker"]
    shelter = make_shelter(district, rooms=[("mixed", 4)], actor=caseworker.user)
    changed = caseworker.patch(f"/api/v1/shelters/{shelter.id}",
                               json={"opens_on": monday(2).isoformat()})
    assert changed.status_code == 200 and changed.get_json()["opens_on"] == monday(2).isoformat()
    weeks = _forecast(caseworker, district.id)["weeks"]
    assert [w["free"] for w in weeks[:3]] == [0, 0, 4]


def test_the_placement_package_plans_move_outs_by_source(district, make_shelter, make_user):
    shelter = make_shelter(district, rooms=[("mixed", 2)])
    allocations.plan_move_out("proposal:1", shelter.id, monday(1), 3)
    allocations.plan_move_out("proposal:1", shelter.id, monday(2), 4)  # moved: replaced
    rows = db.session.scalars(select(PlannedMoveOut).where(
        PlannedMoveOut.source == "proposal:1")).all()
    assert [(r.moves_on, r.persons) for r in rows] == [(monday(2), 4)]
    assert forecast.compute_forecast(district.id).weeks[2].free == 6
    allocations.cancel_move_out("proposal:1")
    allocations.cancel_move_out("proposal:1")  # nothing left: nothing happens
    assert forecast.compute_forecast(district.id).weeks[2].free == 2


def test_another_districts_ids_answer_404(district, district_staff, make_org, make_shelter,
                                          as_user):
    other = make_org("district")
    theirs = as_user(role="admin", org=other)
    their_shelter = make_shelter(other, rooms=[("mixed", 2)])
    allocation = _allocate(theirs, other.id, monday(1), 2).get_json()
    move_out = theirs.post(f"{API}/move-outs", json={
        "shelter_id": their_shelter.id, "moves_on": monday(1).isoformat(), "persons": 1})
    assert move_out.status_code == 201
    move_out_id = move_out.get_json()["id"]
    for client in (district_staff["caseworker"], district_staff["admin"]):
        assert client.get(f"{API}/organizations/{other.id}/forecast").status_code == 404
        assert client.get(f"{API}/organizations/{other.id}/allocations").status_code == 404
        assert client.get(f"{API}/organizations/{other.id}/move-outs").status_code == 404
        assert _allocate(client, other.id, monday(1), 2).status_code == 404
        assert client.get(f"{API}/allocations/{allocation['id']}").status_code == 404
        assert client.patch(f"{API}/allocations/{allocation['id']}",
                            json={"persons": 9}).status_code == 404
        assert client.delete(f"{API}/allocations/{allocation['id']}").status_code == 404
        assert client.delete(f"{API}/move-outs/{move_out_id}").status_code == 404
        assert client.post(f"{API}/move-outs", json={
            "shelter_id": their_shelter.id, "moves_on": iso(7), "persons": 1,
        }).status_code == 404
        assert client.put(f"{API}/organizations/{other.id}/forecast/threshold",
                          json={"threshold": 3}).status_code == 404
        assert client.get(f"/capacity/{other.id}/forecast").status_code == 404
        assert client.post(f"/capacity/{other.id}/forecast/threshold",
                           data={"threshold": "3"}).status_code == 404
    assert db.session.get(Allocation, allocation["id"]).persons == 2
    assert db.session.get(ForecastSetting, other.id) is None


@pytest.mark.parametrize(("body", "field"), [
    ({"arrives_on": iso(-1), "persons": 2}, "arrives_on"),
    ({"arrives_on": iso(800), "persons": 2}, "arrives_on"),
    ({"arrives_on": "morgen", "persons": 2}, "arrives_on"),
    ({"arrives_on": iso(3), "persons": 0}, "persons"),
    ({"arrives_on": iso(3)}, "persons"),
    ({"arrives_on": iso(3), "persons": 5, "households": [2, 2]}, "households"),
    ({"arrives_on": iso(3), "persons": 2, "households": ["zwei"]}, "households"),
    ({"arrives_on": iso(3), "persons": 2, "shelter_kind": "castle"}, "shelter_kind"),
])
def test_bad_allocations_are_refused_naming_the_field(district, district_staff, body, field):
    answer = district_staff["caseworker"].post(
        f"{API}/organizations/{district.id}/allocations", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0


def test_bad_thresholds_and_move_outs(district, district_staff, make_shelter):
    admin, caseworker = district_staff["admin"], district_staff["caseworker"]
    url = f"{API}/organizations/{district.id}/forecast/threshold"
    answer = admin.put(url, json={"threshold": -1})
    assert answer.status_code == 422 and "threshold" in answer.get_json()["errors"]["json"]
    assert caseworker.put(url, json={"threshold": 3}).status_code == 403
    assert db.session.get(ForecastSetting, district.id) is None
    shelter = make_shelter(district, actor=caseworker.user)
    answer = caseworker.post(f"{API}/move-outs", json={
        "shelter_id": shelter.id, "moves_on": iso(-2), "persons": 1})
    assert answer.status_code == 422 and "moves_on" in answer.get_json()["errors"]["json"]
    # The dashboard's form says what was wrong and saves nothing.
    page = admin.post(f"/capacity/{district.id}/forecast/threshold", data={"threshold": "x"},
                      follow_redirects=True)
    assert page.status_code == 200
    assert db.session.get(ForecastSetting, district.id) is None
    assert admin.post(f"/capacity/{district.id}/forecast/threshold",
                      data={"threshold": "4"}).status_code == 302
    assert db.session.get(ForecastSetting, district.id).threshold == 4
