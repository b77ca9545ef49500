"""Idempotent demo data: one state, two districts, four municipalities, a landlord company,
and a user of every role. Real AGS codes and coordinates (Lower Saxony)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from exchange.capacity import activities, allocations, counts, occupancy, persons
from exchange.capacity.models import (
    Allocation,
    Bed,
    CapacitySnapshot,
    Person,
    Shelter,
    ShelterRoom,
)
from exchange.capacity.shelters import add_room, create_shelter, set_bed_status
from exchange.db import point_wkt
from exchange.demo_placement import seed_placement
from exchange.extensions import db
from exchange.profiles import accounts, passwords
from exchange.profiles.models import Membership, MembershipStatus, Organization, User

DEMO_PASSWORD = "exchange-demo"
#: Demo roles that set up TOTP at their first login (no secret is seeded: a demo that
#: shipped fixed secrets would have well-known second factors wherever it ran).
SECOND_FACTOR_ROLES = frozenset({"platform admin", "admin", "caseworker"})

# (key, name, kind, ags, parent key, lat, lon)
ORGANIZATIONS = [
    ("ni", "Land Niedersachsen", "state", "03", None, 52.3759, 9.7320),
    ("lk_os", "Landkreis Osnabrück", "district", "03459", "ni", 52.2799, 8.0472),
    ("lk_el", "Landkreis Emsland", "district", "03454", "ni", 52.6906, 7.2910),
    ("bramsche", "Stadt Bramsche", "municipality", "03459012", "lk_os", 52.4086, 7.9858),
    ("melle", "Stadt Melle", "municipality", "03459024", "lk_os", 52.2031, 8.3361),
    ("lingen", "Stadt Lingen (Ems)", "municipality", "03454032", "lk_el", 52.5227, 7.3167),
    ("meppen", "Stadt Meppen", "municipality", "03454035", "lk_el", 52.6906, 7.2910),
    ("wohnbau", "Wohnbau Emsland GmbH", "landlord", None, None, 52.5250, 7.3200),
]

# (email, name, organisation key or None for platform admin, role)
USERS = [
    ("admin@exchange.example", "Plattform-Admin", None, "platform admin"),
    ("kreisadmin@lk-osnabrueck.example", "Petra Kreis", "lk_os", "admin"),
    ("sozialamt@lk-osnabrueck.example", "Stefan Sozial", "lk_os", "caseworker"),
    ("fluechtlinge@lk-osnabrueck.example", "Olga Offiziell", "lk_os", "official"),
    ("buergermeister@bramsche.example", "Bernd Bürgermeister", "bramsche", "official"),
    ("rathaus@melle.example", "Maria Melle", "melle", "official"),
    ("kreisadmin@emsland.example", "Emil Ems", "lk_el", "admin"),
    ("sozialamt@emsland.example", "Clara Case", "lk_el", "caseworker"),
    ("wohnungsamt@lingen.example", "Lena Lingen", "lingen", "official"),
    ("vermietung@wohnbau-emsland.example", "Walter Wohnbau", "wohnbau", "landlord"),
]


# How the directory shows some demo people: (email, function, phone, shows e-mail,
# contact person of their organisation).
DIRECTORY = [
    ("buergermeister@bramsche.example", "Bürgermeister", "+49 5461 000-100", True, True),
    ("fluechtlinge@lk-osnabrueck.example", "Fachdienst Migration", "", True, False),
    ("wohnungsamt@lingen.example", "Leitung Wohnungsamt", "+49 591 000-200", False, True),
    ("vermietung@wohnbau-emsland.example", "Vermietung", "", True, True),
]


def _organization(key: str, rows: dict[str, Organization]) -> Organization:
    _key, name, kind, ags, parent, lat, lon = next(o for o in ORGANIZATIONS if o[0] == key)
    found = db.session.scalar(
        select(Organization).where(
            Organization.ags == ags if ags else Organization.name == name
        )
    )
    if found is None:
        found = Organization(name=name, kind=kind, ags=ags, location=point_wkt(lat, lon))
        found.parent = rows[parent] if parent else None
        db.session.add(found)
        db.session.flush()
    return found


def seed() -> list[tuple[str, str, str]]:
    """Create what is missing; returns (email, role, organisation) for every demo login."""
    rows: dict[str, Organization] = {}
    for key, *_rest in ORGANIZATIONS:
        rows[key] = _organization(key, rows)
    logins = []
    for email, name, org_key, role in USERS:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = User(email=email, name=name,
                        password_hash=passwords.hash_password(DEMO_PASSWORD))
            db.session.add(user)
            db.session.flush()
        if org_key is None:
            user.is_platform_admin = True
            logins.append((email, role, "-"))
            continue
        organization = rows[org_key]
        exists = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organization_id == organization.id
            )
        )
        if exists is None:
            db.session.add(
                Membership(user=user, organization=organization, role=role,
                           status=MembershipStatus.ACTIVE)
            )
        logins.append((email, role, organization.name))
    db.session.flush()
    _seed_directory()
    _seed_capacity(rows)
    seed_placement()
    return logins


def _seed_directory() -> None:
    """Functions, phone numbers, shown e-mail addresses and contact persons, where none is
    set yet (a re-run keeps what was changed since)."""
    for email, function, phone, show_email, contact in DIRECTORY:
        user = accounts.find_user_by_email(email)
        membership = user.memberships[0]
        if membership.function is None:
            membership.function = function
            user.phone = user.phone or phone
            user.show_email = show_email
        if contact and membership.organization.contact_user_id is None:
            membership.organization.contact_user_id = user.id
    db.session.flush()


# --- capacity: shelters, persons, occupancy (through the services: counters and the
# published listing stay right) ---------------------------------------------------------

DEMO_CASEWORKER = "sozialamt@lk-osnabrueck.example"

# (name, organisation key, street, postal code, city, lat, lon, publish, reserve,
#  rooms: (name, policy, accessible, beds, blocked bed labels and reason))
SHELTERS = [
    ("Gemeinschaftsunterkunft Hesepe", "bramsche", "Am Hesepe Bahnhof 4", "49565", "Bramsche",
     52.4337, 7.9650, True, 1,
     [("1.01", "family", True, 4, None), ("1.02", "female", False, 3, None),
      ("1.03", "male", False, 4, None), ("2.01", "mixed", False, 3, ("2", "Wasserschaden"))]),
    ("Notunterkunft Turnhalle Melle", "melle", "Weststraße 12", "49324", "Melle",
     52.2040, 8.3290, False, 0,
     [("Halle A", "mixed", True, 6, None), ("Halle B", "family", False, 4, None)]),
]

# Clearly fictional persons: (external id, family name, given names, birth date, gender,
# nationality, languages, household ref, (shelter index, room, bed label) or None)
PERSONS = [
    ("DEMO-0001", "Beispiel", "Amira", "1988-03-14", "f", "SYR", ["ar"], "DEMO-H1", (0, "1.01", "1")),  # noqa: E501
    ("DEMO-0002", "Beispiel", "Karim", "1985-11-02", "m", "SYR", ["ar"], "DEMO-H1", (0, "1.01", "2")),  # noqa: E501
    ("DEMO-0003", "Beispiel", "Lina", "2016-06-21", "f", "SYR", ["ar", "de"], "DEMO-H1", (0, "1.01", "3")),  # noqa: E501
    ("DEMO-0004", "Muster", "Olena", "1979-01-30", "f", "UKR", ["uk", "ru"], None, (0, "1.02", "1")),  # noqa: E501
    ("DEMO-0005", "Probe", "Dawit", "1999-08-09", "m", "ERI", ["ti"], None, (0, "1.03", "1")),
    ("DEMO-0006", "Demo", "Yusuf", "1990-05-05", "m", "AFG", ["fa"], None, (1, "Halle A", "1")),
    ("DEMO-0007", "Muster", "Taras", "2008-12-12", "m", "UKR", ["uk"], None, (1, "Halle A", "2")),
    ("DEMO-0008", "Testfeld", "Mariam", "1994-02-17", "f", "AFG", ["fa"], None, None),
    ("DEMO-0009", "Exempel", "Sara", "2001-10-01", "f", "IRQ", ["ku", "ar"], None, None),
    ("DEMO-0010", "Fiktiv", "Hamid", "1975-07-23", "m", "SYR", ["ar"], None, None),
]

# (external id, kind, title, due in days from today, status)
ACTIVITIES = [
    ("DEMO-0001", "vaccination", "Masern, 2. Dosis", -3, "open"),
    ("DEMO-0002", "bamf_hearing", "Anhörung BAMF Bramsche", 12, "open"),
    ("DEMO-0003", "school", "Grundschule Hesepe", 9, "open"),
    ("DEMO-0004", "custom", "Sprachkurs anmelden", 5, "done"),
]

# Occupied beds of the demo shelters some days ago (fewer than today: people arrived).
SNAPSHOT_DAYS = 14


def _seed_capacity(rows: dict[str, Organization]) -> None:
    """Two shelters of Landkreis Osnabrück (one published on the map), ten fictional
    persons, some of them housed, a few activities and two weeks of daily snapshots.
    Only what is missing is created; occupancies and activities only with their person."""
    actor = accounts.find_user_by_email(DEMO_CASEWORKER)
    db.session.refresh(actor)
    shelters: list[Shelter] = []
    for name, org_key, street, postal_code, city, lat, lon, publish, reserve, rooms in SHELTERS:
        organization = rows[org_key]
        shelter = db.session.scalar(
            select(Shelter).where(Shelter.organization_id == organization.id, Shelter.name == name)
        )
        if shelter is None:
            shelter = create_shelter(
                actor,
                {"name": name, "kind": "collective",
                 "address": {"street": street, "postal_code": postal_code, "city": city},
                 "location": {"lat": lat, "lon": lon},
                 "publish_capacity": publish, "reserve_beds": reserve},
                organization.id,
            )
            for room_name, policy, accessible, beds, blocked in rooms:
                room = add_room(actor, shelter.id, room_name, policy, accessible, beds)
                if blocked:
                    label, reason = blocked
                    bed_id = db.session.scalar(
                        select(Bed.id).where(Bed.room_id == room.id, Bed.label == label)
                    )
                    set_bed_status(actor, bed_id, "blocked", reason)
        shelters.append(shelter)

    district = rows["lk_os"]
    households: dict[str, list[int]] = {}
    today = date.today()
    for external_id, family, given, born, gender, nationality, languages, household, bed in PERSONS:
        exists = db.session.scalar(
            select(Person.id).where(
                Person.organization_id == district.id, Person.external_id == external_id
            )
        )
        if exists is not None:
            continue
        person, _duplicates = persons.create_person(
            actor,
            {"external_id": external_id, "family_name": family, "given_names": given,
             "birth_date": date.fromisoformat(born), "gender": gender,
             "nationality": nationality, "languages": languages,
             "arrival_date": today - timedelta(days=20 + len(households) * 3)},
            district.id,
        )
        if household:
            households.setdefault(household, []).append(person.id)
        if bed is not None:
            shelter_index, room_name, label = bed
            bed_id = db.session.scalar(
                select(Bed.id)
                .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
                .where(
                    ShelterRoom.shelter_id == shelters[shelter_index].id,
                    ShelterRoom.name == room_name,
                    Bed.label == label,
                )
            )
            occupancy.check_in(actor, person.id, bed_id)
        for activity_of, kind, title, due_in, status in ACTIVITIES:
            if activity_of == external_id:
                activities.create_activity(
                    actor, person.id,
                    {"kind": kind, "title": title, "due_date": today + timedelta(days=due_in),
                     "status": status},
                )
    for ref, member_ids in households.items():
        persons.create_household(actor, member_ids, district.id, ref)

    counts.snapshot_capacity(today)
    db.session.flush()
    for shelter in shelters:
        current = counts.shelter_capacity(actor, shelter.id)
        for days_ago in range(1, SNAPSHOT_DAYS):
            day = today - timedelta(days=days_ago)
            known = db.session.scalar(
                select(CapacitySnapshot.id).where(
                    CapacitySnapshot.shelter_id == shelter.id, CapacitySnapshot.day == day
                )
            )
            if known is not None:
                continue
            # People arrived over the fortnight: fewer beds were occupied back then.
            occupied = max(current.occupied - (days_ago * 2) // 5, 0)
            db.session.add(
                CapacitySnapshot(
                    organization_id=shelter.organization_id, shelter_id=shelter.id, day=day,
                    total=current.total, blocked=current.blocked, occupied=occupied,
                    free=current.total - current.blocked - occupied,
                )
            )
    db.session.flush()

    # The state announced an allocation for next week (Tuesday): the forecast shows it.
    if db.session.scalar(select(Allocation.id).where(
            Allocation.organization_id == district.id)) is None:
        next_tuesday = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=1)
        allocations.create_allocation(actor, district.id, {
            "arrives_on": next_tuesday, "persons": 6, "households": [4, 2],
            "note": "Zuweisung des Landes (Demo)"})
