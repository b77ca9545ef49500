"""Tenancy of the placement pages' forms (issue 18, point 6): every form post with another
district's (or another landlord's) ids answers 404 and writes nothing, as the API does."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.placement.models import HouseholdConsent, HouseholdNeeds, Proposal, RentLimit
from tests.dates import iso
from tests.placement.proposal_fixtures import make_listing as make_listing  # noqa: F401
from tests.placement.proposal_fixtures import make_person as make_person  # noqa: F401
from tests.placement.proposal_fixtures import make_shelter as make_shelter  # noqa: F401
from tests.placement.proposal_fixtures import propose, world  # noqa: F401


def _form(client, path: str, **fields):
    return client.post(path, data={**fields, "csrf_token": client.csrf_token})


def test_another_districts_household_forms_answer_404(world, as_user, make_org):  # noqa: F811
    made = propose(world)
    household_id = world.household.id
    stranger = as_user(role="caseworker", org=make_org("district"))
    assert _form(stranger, f"/households/{household_id}/propose",
                 listing_id=str(world.flat.id)).status_code == 404
    assert _form(stranger, f"/households/{household_id}/consent",
                 shares="names").status_code == 404
    assert _form(stranger, f"/placement/households/{household_id}",
                 needs_step_free="true", radius_km="5").status_code == 404
    assert stranger.get(f"/placement/households/{household_id}",
                        follow_redirects=True).status_code == 404
    for step in ("withdraw", "moved_in"):
        assert _form(stranger, f"/proposals/{made['id']}/{step}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    assert db.session.get(Proposal, made["id"]).state == "proposed"
    assert db.session.scalar(select(func.count()).select_from(HouseholdConsent)) == 0
    assert db.session.get(HouseholdNeeds, household_id) is None


def test_another_landlords_proposal_forms_answer_404(world, as_user):  # noqa: F811
    made = propose(world)
    other = as_user(role="landlord")
    for step, fields in (("accept", {}), ("viewing", {}), ("decline", {"reason": "x"})):
        assert _form(other, f"/proposals/{made['id']}/{step}", **fields).status_code == 404
    assert db.session.get(Proposal, made["id"]).state == "proposed"


def test_another_districts_rent_limit_forms_answer_404(region, as_user, make_limits):
    (limit, *_rest) = make_limits(region["other"], region["munich"])
    admin = as_user(role="admin", org=region["district"])
    other_id = region["other"].id
    fields = {"municipality_id": str(region["munich"].id), "household_size": "2",
              "valid_from": iso(0), "max_gross_rent": "1,00", "max_area_m2": "1"}
    assert _form(admin, f"/placement/rent-limits/{other_id}", **fields).status_code == 404
    assert _form(admin, f"/placement/rent-limits/{other_id}/{limit.id}",
                 **fields).status_code == 404
    assert _form(admin, f"/placement/rent-limits/{other_id}/{limit.id}",
                 action="delete").status_code == 404
    count = db.session.scalar(select(func.count()).select_from(RentLimit))
    assert count == 4
    db.session.refresh(limit)
    assert str(limit.max_gross_rent) != "1.00"
