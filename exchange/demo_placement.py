"""Demo data of the way from shelter to flat (issue 18): the rent and size limits of Bramsche
and Melle, flats of the demo landlord around Osnabrück that fit the waiting households or
not, the needs of the family waiting in Hesepe (assigned to Bramsche), and a proposal under
way (that family proposed for the flat in Bramsche, a viewing arranged).

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
from exchange.placement import matching, proposals, rent_limits
from exchange.placement.models import HouseholdNeeds, Proposal, RentLimit
from exchange.profiles import accounts
from exchange.profiles.models import Organization

LANDLORD = "vermietung@wohnbau-emsland.example"
DISTRICT_ADMIN = "kreisadmin@lk-osnabrueck.example"
MUNICIPALITIES = ("Stadt Bramsche", "Stadt Melle")
# Household size → (highest gross cold rent, highest living space), and each further person.
LIMITS = {1: ("450.00", "50.00"), 2: ("540.00", "65.00"), 3: ("680.00", "80.00"),
          4: ("760.00", "95.00"), 5: ("850.00", "105.00")}
FURTHER = ("90.00", "12.00")
CASEWORKER = "sozialamt@lk-osnabrueck.example"
FAMILY = "DEMO-H1"  # three persons in Hesepe (exchange.demo.PERSONS)

# (title, street, postal code, city, lat, lon, rooms, m², occupants, rent, utilities,
#  accessible, available in days)
FLATS = [
    ("3-Zimmer-Wohnung in Bramsche, Erdgeschoss", "Lindenstraße 7", "49565", "Bramsche",
     52.4089, 7.9760, "3", "68.00", 4, "495.00", "160.00", True, 0),
    ("2-Zimmer-Wohnung in Melle-Mitte", "Bahnhofstraße 21", "49324", "Melle",
     52.2032, 8.3371, "2", "52.00", 2, "410.00", "120.00", False, 14),
    ("5-Zimmer-Haus in Osnabrück-Eversburg", "Am Sportpark 3", "49090", "Osnabrück",
     52.2873, 7.9985, "5", "128.00", 7, "1450.00", "340.00", False, 30),
]


def seed_placement() -> None:
    """Limits, flats of the demo landlord, the Hesepe family's needs and its proposal."""
    _seed_limits()
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
    caseworker = accounts.find_user_by_email(CASEWORKER)
    if db.session.get(HouseholdNeeds, household.id) is None:
        bramsche = db.session.scalar(select(Organization).where(
            Organization.name == MUNICIPALITIES[0]))
        matching.set_needs(caseworker, household.id, {
            "assigned_municipality_id": bramsche.id, "needs_step_free": False,
            "radius_km": 25})
    proposed = db.session.scalar(select(Proposal.id).where(
        Proposal.household_id == household.id, Proposal.listing_id == listings[0].id))
    if proposed is None:
        proposal = proposals.propose(
            caseworker, household.id, listings[0].id,
            "Familie mit einem Kind (10), wartet seit drei Wochen in Hesepe; "
            "Erdgeschoss wäre gut.")
        proposals.arrange_viewing(landlord, proposal.id)
    db.session.flush()


def _seed_limits() -> None:
    """The limits of Bramsche and Melle, in force since the first of this year."""
    admin = accounts.find_user_by_email(DISTRICT_ADMIN)
    valid_from = date(date.today().year, 1, 1)
    for name in MUNICIPALITIES:
        municipality = db.session.scalar(select(Organization).where(Organization.name == name))
        known = db.session.scalar(select(RentLimit.id).where(
            RentLimit.municipality_id == municipality.id))
        if known is not None:
            continue
        for size, (rent, area) in LIMITS.items():
            rent_limits.create_limit(admin, municipality.parent_id, {
                "municipality_id": municipality.id, "household_size": size,
                "valid_from": valid_from, "max_gross_rent": Decimal(rent),
                "max_area_m2": Decimal(area),
                "further_person_rent": Decimal(FURTHER[0]) if size == 5 else None,
                "further_person_area_m2": Decimal(FURTHER[1]) if size == 5 else None})
