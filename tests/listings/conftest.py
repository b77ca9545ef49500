"""Factory fixtures of the listings domain."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from exchange.db import point_wkt, utcnow
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles.models import Organization, User

BERLIN = (52.520008, 13.404954)


@pytest.fixture
def make_listing(app, make_user):
    """make_listing(kind="flat", status="published", owner=None, org=None, lat=…, lon=…,
    **columns) → Listing, written straight to the table (no service rules, no events).

    Without an owner one is made: a landlord for flats, an official for beds."""

    def make(
        kind: str = "flat",
        status: str = "published",
        owner: User | None = None,
        org: Organization | None = None,
        lat: float = BERLIN[0],
        lon: float = BERLIN[1],
        **columns,
    ) -> Listing:
        if owner is None:
            owner = make_user(role="landlord" if kind == "flat" else "official", org=org)
        if org is None:
            org = next(m.organization for m in owner.memberships if m.status == "active")
        values: dict = {
            "title": f"{kind} in {columns.get('city', 'Berlin')}",
            "description": "",
            "street": "Unter den Linden 1",
            "postal_code": "10117",
            "city": "Berlin",
        }
        if kind == "flat":
            values.update(
                rooms=Decimal("2.5"),
                area_m2=Decimal("62.00"),
                max_occupants=4,
                rent_cold=Decimal("650.00"),
                utilities=Decimal("150.00"),
            )
        else:
            values.update(free_beds=10, source="manual")
        if status in ("published", "reserved"):
            now = utcnow()
            values.update(confirmed_at=now, expires_at=now + timedelta(days=14))
        values.update(columns)
        listing = Listing(
            kind=kind,
            status=status,
            owner_id=owner.id if owner else None,
            organization_id=org.id,
            location=point_wkt(lat, lon),
            **values,
        )
        db.session.add(listing)
        db.session.flush()
        db.session.refresh(listing)
        return listing

    return make
