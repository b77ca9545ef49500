"""Fixtures of the placement domain: a district with two municipalities and rent limits,
another district far away, flats and waiting households (capacity's and listings'
factories reused)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from exchange.capacity.models import Household
from exchange.extensions import db
from exchange.placement.models import HouseholdNeeds, RentLimit
from tests.capacity.conftest import bed_ids, make_person, make_shelter  # noqa: F401
from tests.dates import day
from tests.listings.conftest import make_listing  # noqa: F401

BERLIN = (52.520008, 13.404954)
POTSDAM = (52.3906, 13.0645)
MUNICH = (48.1372, 11.5756)
#: The limits of a table: size → (gross cold rent, area).
TABLE = {1: ("500", "50"), 2: ("700", "65"), 3: ("850", "80"), 4: ("1000", "95")}


@pytest.fixture
def region(make_org):
    """District with the municipalities Berlin-Mitte (at the listings' default point) and
    Potsdam; another district with Munich."""
    district = make_org("district", name="Landkreis Test", ags="12345")
    mitte = make_org("municipality", parent=district, name="Gemeinde Mitte", ags="12345001",
                     lat=BERLIN[0], lon=BERLIN[1])
    potsdam = make_org("municipality", parent=district, name="Stadt Müllheim",
                       ags="12345002", lat=POTSDAM[0], lon=POTSDAM[1])
    other = make_org("district", name="Landkreis Anders", ags="54321")
    munich = make_org("municipality", parent=other, name="Gemeinde Süd", ags="54321001",
                      lat=MUNICH[0], lon=MUNICH[1])
    return {"district": district, "mitte": mitte, "potsdam": potsdam, "other": other,
            "munich": munich}


@pytest.fixture
def make_limits(app):
    """make_limits(district, municipality, table=TABLE, valid_from=day(-30), further=None)
    → the rows of one table, written straight to the table."""

    def make(district, municipality, table=None, valid_from=None, further=None):
        rows = []
        table = TABLE if table is None else table
        largest = max(table)
        for size, (rent, area) in table.items():
            extra = further if (further and size == largest) else (None, None)
            rows.append(RentLimit(
                district_id=district.id, municipality_id=municipality.id,
                household_size=size, valid_from=valid_from or day(-30),
                max_gross_rent=Decimal(rent), max_area_m2=Decimal(area),
                further_person_rent=Decimal(extra[0]) if extra[0] else None,
                further_person_area_m2=Decimal(extra[1]) if extra[1] else None))
        db.session.add_all(rows)
        db.session.flush()
        return rows

    return make


@pytest.fixture
def make_household(app, make_person, make_shelter):  # noqa: F811
    """make_household(org, size=3, waiting=True, step_free=False, municipality=None,
    radius_km=30) → Household with `size` members; waiting: each in a shelter bed."""

    def make(org, size=3, waiting=True, step_free=False, municipality=None, radius_km=30,
             since_days=40):
        household = Household(organization_id=org.id)
        db.session.add(household)
        db.session.flush()
        members = [make_person(org, household_id=household.id) for _ in range(size)]
        if waiting:
            shelter = make_shelter(org, rooms=[("family", size)])
            start = datetime.now(UTC) - timedelta(days=since_days)
            for person, bed_id in zip(members, bed_ids(shelter), strict=True):
                db.session.execute(text(
                    "INSERT INTO occupancies (person_id, bed_id, period)"
                    " VALUES (:p, :b, tstzrange(:start, NULL))"),
                    {"p": person.id, "b": bed_id, "start": start})
        if step_free or municipality is not None or radius_km != 30:
            db.session.add(HouseholdNeeds(
                household_id=household.id, needs_step_free=step_free, radius_km=radius_km,
                assigned_municipality_id=municipality.id if municipality else None))
        db.session.flush()
        return household

    return make
