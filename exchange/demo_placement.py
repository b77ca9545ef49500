"""Demo data of the way from shelter to flat (issue 18): flats of the demo landlord around
Osnabrück that fit the waiting households or not, and a proposal under way (the family
waiting in Hesepe proposed for a flat in Bramsche, a viewing arranged).

Only what is missing is made, through the services (counts, events, audit stay right);
exchange.demo calls it after the capacity demo.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from exchange.capacity.models import Household
from exchange.extensions import db
from exchange.listings import operations as listing_operations
from exchange.listings.models import Listing
from exchange.placement import proposals
from exchange.placement.models import Proposal
from exchange.profiles import accounts

LANDLORD = "vermietung@wohnbau-emsland.example"
CASEWORKER = "sozialamt@lk-osnabrueck.example"
FAMILY = "DEMO-H1"  # three persons in Hesepe (exchange.demo.PERSONS)

# (title, street, postal code, city, lat, lon, rooms, m², occupants, rent, utilities,
#  accessible, available in days)
FLATS = [
    ("3-Zimmer-Wohnung in Bramsche, Erdgeschoss", "Lindenstraße 7", "49565", "Bramsche",
     52.4089, 7.9760, "3", "68.00", 4, "495.00", "160.00", True, 10),
    ("2-Zimmer-Wohnung in Melle-Mitte", "Bahnhofstraße 21", "49324", "Melle",
     52.2032, 8.3371, "2", "52.00", 2, "410.00", "120.00", False, 0),
    ("5-Zimmer-Haus in Osnabrück-Eversburg", "Am Sportpark 3", "49090", "Osnabrück",
     52.2873, 7.9985, "5", "128.00", 7, "1450.00", "340.00", False, 30),
]


def seed_placement() -> None:
    """Flats of the demo landlord, and the Hesepe family proposed for the first one."""
    landlord = accounts.find_user_by_email(LANDLORD)
    listings = []
    for (title, street, postal_code, city, lat, lon, rooms, area, occupants, rent,
         utilities, accessible, available_in) in FLATS:
        listing = db.session.scalar(select(Listing).where(
            Listing.owner_id == landlord.id, Listing.title == title))
        if listing is None:
            listing = listing_operations.create_listing(landlord, {
                "kind": "flat", "title": title,
                "address": {"street": street, "postal_code": postal_code, "city": city},
                "location": {"lat": lat, "lon": lon},
                "rooms": Decimal(rooms), "area_m2": Decimal(area),
                "max_occupants": occupants, "rent_cold": Decimal(rent),
                "utilities": Decimal(utilities), "accessible": accessible,
                "available_from": date.today() + timedelta(days=available_in),
            }, publish=True)
        listings.append(listing)
    household = db.session.scalar(select(Household).where(Household.ref == FAMILY))
    if household is None:
        return
    proposed = db.session.scalar(select(Proposal.id).where(
        Proposal.household_id == household.id, Proposal.listing_id == listings[0].id))
    if proposed is None:
        caseworker = accounts.find_user_by_email(CASEWORKER)
        proposal = proposals.propose(
            caseworker, household.id, listings[0].id,
            "Familie mit einem Kind (10), wartet seit drei Wochen in Hesepe; "
            "Erdgeschoss wäre gut.")
        proposals.arrange_viewing(landlord, proposal.id)
    db.session.flush()
