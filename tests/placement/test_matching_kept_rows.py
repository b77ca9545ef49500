"""The rows the database keeps for matching at scale (migration 0031): each listing's
municipality, and each household's size, waiting-since and needs (households whose
caseworkers recorded needs). They follow every change
of what they are made from, and a rebuild from scratch finds the same."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from exchange.capacity.models import Person
from exchange.extensions import db
from exchange.placement.models import HouseholdNeeds

from .conftest import BERLIN, MUNICH


def _municipality_of(listing_id: int) -> int | None:
    return db.session.scalar(text(
        "SELECT municipality_id FROM listing_municipalities WHERE listing_id = :id"),
        {"id": listing_id})


def _waiting(household_id: int) -> dict | None:
    db.session.flush()
    row = db.session.execute(text(
        "SELECT size, restricted, waiting_since IS NOT NULL AS waiting, centre_id, step_free,"
        " radius_km FROM placement_waiting WHERE household_id = :id"),
        {"id": household_id}).mappings().first()
    return dict(row) if row else None


def _all_kept() -> tuple[list, list]:
    return (db.session.execute(text(
                "SELECT * FROM listing_municipalities ORDER BY listing_id")).all(),
            db.session.execute(text(
                "SELECT * FROM placement_waiting ORDER BY household_id")).all())


def test_a_listings_municipality_follows_the_listing_and_the_seats(
        app, make_org, make_listing):
    district = make_org("district", name="Landkreis Test", ags="12345")
    listing = make_listing()  # at BERLIN, no municipality there yet
    assert _municipality_of(listing.id) is None
    mitte = make_org("municipality", parent=district, name="Gemeinde Mitte", ags="12345001",
                     lat=BERLIN[0], lon=BERLIN[1])
    assert _municipality_of(listing.id) == mitte.id
    south = make_org("municipality", parent=district, name="Gemeinde Süd", ags="12345002",
                     lat=MUNICH[0], lon=MUNICH[1])
    db.session.execute(text(
        "UPDATE listings SET location = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
        " WHERE id = :id"), {"lon": MUNICH[1], "lat": MUNICH[0], "id": listing.id})
    assert _municipality_of(listing.id) == south.id
    # The seat moves away (farther than 20 km): the listing has no municipality any more.
    db.session.execute(text(
        "UPDATE organizations SET location = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
        " WHERE id = :id"), {"lon": BERLIN[1], "lat": BERLIN[0], "id": south.id})
    assert _municipality_of(listing.id) is None
    # Both seats at Berlin, the listing moved back: the nearer one; removing it, the other.
    db.session.execute(text(
        "UPDATE listings SET location = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
        " WHERE id = :id"), {"lon": BERLIN[1] + 0.001, "lat": BERLIN[0], "id": listing.id})
    assert _municipality_of(listing.id) in {mitte.id, south.id}
    nearest = _municipality_of(listing.id)
    db.session.execute(text("DELETE FROM organizations WHERE id = :id"), {"id": nearest})
    assert _municipality_of(listing.id) == ({mitte.id, south.id} - {nearest}).pop()


def test_a_households_kept_row_follows_members_stays_and_needs(
        region, make_household, make_person):
    household = make_household(region["district"], size=3, municipality=region["mitte"])
    assert _waiting(household.id) == {"size": 3, "restricted": False, "waiting": True,
                                      "centre_id": region["mitte"].id, "step_free": False,
                                      "radius_km": 30}
    newcomer = make_person(region["district"], household_id=household.id)
    assert _waiting(household.id)["size"] == 4
    newcomer.restricted_at = datetime.now(UTC)
    assert _waiting(household.id)["restricted"] is True
    newcomer.merged_into_id = db.session.scalar(text(
        "SELECT min(id) FROM persons WHERE household_id = :h"), {"h": household.id})
    assert _waiting(household.id)["size"] == 3
    assert _waiting(household.id)["restricted"] is False
    db.session.execute(text(
        "UPDATE occupancies SET period = tstzrange(lower(period), now())"
        " WHERE person_id IN (SELECT id FROM persons WHERE household_id = :h)"),
        {"h": household.id})
    assert _waiting(household.id)["waiting"] is False
    needs = db.session.get(HouseholdNeeds, household.id)
    needs.assigned_municipality_id = None
    needs.needs_step_free = True
    assert _waiting(household.id)["centre_id"] == region["district"].id
    assert _waiting(household.id)["step_free"] is True
    moved = db.session.get(Person, newcomer.id)
    moved.household_id = None
    db.session.flush()
    assert _waiting(household.id)["size"] == 3
    # Without recorded needs a household is not matched to flats: no row.
    db.session.delete(needs)
    assert _waiting(household.id) is None
    without = make_household(region["district"], size=2)
    assert _waiting(without.id) is None


def test_a_rebuild_finds_what_the_triggers_kept(region, make_household, make_listing):
    make_household(region["district"], size=2, municipality=region["potsdam"])
    make_household(region["district"], size=4, waiting=False, step_free=True)
    make_household(region["district"], size=1)
    make_listing()
    make_listing(lat=MUNICH[0], lon=MUNICH[1])
    db.session.flush()
    kept = _all_kept()
    db.session.execute(text("SELECT placement_listing_municipalities_rebuild()"))
    db.session.execute(text("SELECT placement_waiting_rebuild()"))
    assert _all_kept() == kept
    assert len(kept[0]) == 2 and len(kept[1]) == 2  # the household without needs: none
