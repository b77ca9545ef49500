"""Fill a benchmark database with a district's registry: N persons, shelters, beds, occupancies.

    python -m benchmarks.generate_registry 1000000          # → exchange_bench_registry_1m
    python -m benchmarks.generate_registry 1000 --fresh     # drop and make it again

Each size gets a database of its own (`exchange_bench_registry_1k`, …_10k, …_100k, …_1m;
another prefix with `BENCH_DATABASE_PREFIX`) on the server of `BENCH_DATABASE_URL`
(default: the local server), migrated with the app's real migrations. One district
("Landkreis Benchmark") holds everyone: persons of Ukrainian, Syrian/Iraqi, Afghan and
(late repatriate) German-style fictional names, in households (singles, couples, mothers
with children, families with grandparents) with plausible birth dates, languages and
arrival dates; about 92 % are housed in its shelters (collective shelters with rooms of
2–8 beds by policy, flats, emergency halls), a fifth have an earlier, ended occupancy, a
few beds are blocked. Shelter 1 is the same in every size: the benchmark shelter, 200
beds, 150 occupied, published with 5 reserve beds.

Rows go in with COPY with triggers, secondary indexes and exclusion constraints off; the
indexes and constraints are then rebuilt from their own definitions, the capacity
counters recomputed (capacity_counts_rebuild()), the published shelters' listings made
through the capacity service (the real publication code), and everything analysed.
A database that already holds this data (same migrations, generator, size and seed) is
left alone.
"""

from __future__ import annotations

import math
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import psycopg

from benchmarks.common import (
    DEFAULT_SEED,
    NOW,
    TODAY,
    Generation,
    add_member,
    admin_connect,
    bench_app,
    fingerprint,
    generate_database,
    generator_cli,
    size_label,
)
from benchmarks.common import database_url as _database_url

DISTRICT = "Landkreis Benchmark"
BENCH_CASEWORKER_EMAIL = "caseworker@registry-bench.example"
BENCH_SHELTER_BEDS = 200
BENCH_SHELTER_OCCUPIED = 150
BENCH_SHELTER_RESERVE = 5
HOUSED_SHARE = 0.92
PAST_OCCUPANCY_SHARE = 0.2
# Current occupancies start after this instant, ended ones lie before it: no overlaps. Both
# are counted back from the day of generation, so the registry is plausible on any day.
CURRENT_SINCE = (NOW - timedelta(days=330)).replace(hour=0)
PAST_SINCE = CURRENT_SINCE - timedelta(days=365)

# --- names (fictional combinations of common names) -----------------------------------------

ARABIC_MALE = (
    "Mohammed", "Ahmad", "Mahmoud", "Omar", "Ali", "Hassan", "Hussein", "Khaled", "Yousef",
    "Ibrahim", "Mustafa", "Abdullah", "Karim", "Samir", "Tarek", "Bilal", "Rami", "Fadi",
    "Ziad", "Anas", "Hamza", "Amir", "Walid", "Majd", "Nizar", "Qusai", "Jamal", "Saleh",
)
ARABIC_FEMALE = (
    "Fatima", "Aisha", "Mariam", "Noor", "Layla", "Rania", "Huda", "Amira", "Yasmin",
    "Salma", "Zainab", "Hiba", "Lina", "Dana", "Reem", "Sara", "Rasha", "Ghada", "Heba",
    "Asmaa", "Bushra", "Duaa", "Raghad", "Shahd", "Tasneem", "Nada",
)
ARABIC_FAMILY = (
    "Al-Hassan", "Al-Ahmad", "Hamdan", "Haddad", "Khalil", "Nasser", "Saleh", "Mansour",
    "Othman", "Darwish", "Al-Khatib", "Kassem", "Suleiman", "Ibrahim", "Youssef", "Al-Masri",
    "Al-Halabi", "Shami", "Aziz", "Barakat", "Hamoud", "Najjar", "Sabbagh", "Zaher", "Jaber",
    "Al-Hamwi", "Al-Jasem", "Hariri", "Kurdi", "Mardini", "Al-Obaidi", "Al-Jubouri",
)
AFGHAN_MALE = (
    "Ahmad", "Mohammad", "Abdul Rahman", "Farid", "Hamid", "Jawad", "Naveed", "Rahim",
    "Sayed", "Wahid", "Zabihullah", "Naqibullah", "Mirwais", "Ajmal", "Habib", "Shafiq",
    "Tamim", "Rashid", "Hekmatullah", "Samiullah", "Bashir", "Qadir",
)
AFGHAN_FEMALE = (
    "Fatima", "Zahra", "Maryam", "Shabnam", "Mina", "Parisa", "Nilofar", "Laila", "Soraya",
    "Habiba", "Farzana", "Mursal", "Hosai", "Madina", "Marzia", "Roya", "Sadia", "Freshta",
    "Nazanin", "Khadija",
)
AFGHAN_FAMILY = (
    "Ahmadi", "Mohammadi", "Hashimi", "Rahimi", "Karimi", "Hussaini", "Sultani", "Noori",
    "Popal", "Stanikzai", "Safi", "Amiri", "Rezai", "Haidari", "Wardak", "Sadat", "Niazi",
    "Jalali", "Yousufzai", "Azizi", "Samadi", "Faizi", "Nazari", "Qaderi",
)
UKRAINIAN_MALE = (
    "Oleksandr", "Andrii", "Dmytro", "Serhii", "Mykola", "Volodymyr", "Ivan", "Yurii",
    "Vasyl", "Taras", "Bohdan", "Maksym", "Artem", "Oleh", "Pavlo", "Roman", "Denys",
    "Vitalii", "Ihor", "Mykhailo",
)
UKRAINIAN_FEMALE = (
    "Olena", "Nataliia", "Iryna", "Tetiana", "Oksana", "Yuliia", "Svitlana", "Kateryna",
    "Anastasiia", "Mariia", "Viktoriia", "Halyna", "Liudmyla", "Sofiia", "Daryna", "Alina",
    "Khrystyna", "Valentyna", "Polina", "Veronika",
)
UKRAINIAN_FAMILY = (
    "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Koval",
    "Boiko", "Moroz", "Lysenko", "Savchenko", "Rudenko", "Marchenko", "Polishchuk",
    "Kovalchuk", "Tkachuk", "Oliinyk", "Kravchuk", "Hnatiuk", "Levchenko", "Pavlenko",
    "Zelinsk*", "Kovalsk*", "Savytsk*", "Levytsk*", "Vyshnevsk*",
)
GERMAN_MALE = ("Alexander", "Viktor", "Andreas", "Eduard", "Waldemar", "Johann", "Lukas",
               "Leon", "David", "Artur", "Konstantin", "Jakob")
GERMAN_FEMALE = ("Olga", "Irina", "Helena", "Lydia", "Katharina", "Anna", "Maria", "Elena",
                 "Natalie", "Valentina", "Lena", "Sophie")
GERMAN_FAMILY = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
                 "Becker", "Schulz", "Hoffmann", "Dück", "Janzen", "Friesen", "Penner",
                 "Klassen", "Wiebe", "Neufeld", "Reimer")


class Origin:
    def __init__(self, share, nationalities, male, female, family, languages, arrived,
                 religion, lone_mothers):
        self.share = share
        self.nationalities = nationalities
        self.male, self.female, self.family = male, female, family
        self.languages = languages  # alternatives, each a list of ISO 639-1 codes
        self.arrived = arrived  # (first, last) arrival date
        self.religion = religion
        self.lone_mothers = lone_mothers  # share of families that are mother + children


ORIGINS = (
    Origin(0.45, ("UKR",), UKRAINIAN_MALE, UKRAINIAN_FEMALE, UKRAINIAN_FAMILY,
           (["uk", "ru"], ["uk"], ["uk", "en"], ["ru", "uk"]),
           (date(2022, 3, 1), TODAY), "orthodox", 0.6),
    Origin(0.22, ("SYR",), ARABIC_MALE, ARABIC_FEMALE, ARABIC_FAMILY,
           (["ar"], ["ar", "ku"], ["ar", "en"]), (date(2015, 6, 1), TODAY), "islam", 0.1),
    Origin(0.08, ("IRQ",), ARABIC_MALE, ARABIC_FEMALE, ARABIC_FAMILY,
           (["ar"], ["ku", "ar"]), (date(2015, 6, 1), TODAY), "islam", 0.1),
    Origin(0.20, ("AFG",), AFGHAN_MALE, AFGHAN_FEMALE, AFGHAN_FAMILY,
           (["fa"], ["ps"], ["fa", "ps"], ["fa", "en"]), (date(2016, 1, 1), TODAY),
           "islam", 0.15),
    Origin(0.05, ("RUS", "KAZ"), GERMAN_MALE, GERMAN_FEMALE, GERMAN_FAMILY,
           (["ru", "de"], ["de", "ru"]), (date(2019, 1, 1), TODAY), None, 0.2),
)
PROFESSIONS = ("Lehrerin", "Ingenieur", "Krankenpfleger", "Schneiderin", "Elektriker",
               "Fahrer", "Bäcker", "Friseurin", "Ärztin", "Landwirt", "Buchhalterin",
               "Maurer", "Verkäuferin", "Programmierer", "Mechaniker")

# Transliterations that registries disagree about: the duplicate search must see through them.
VARIANTS = {
    "Mohammed": ("Muhammad", "Mohamed", "Mohammad", "Muhammed"),
    "Mohammad": ("Mohammed", "Muhammad", "Mohamad"),
    "Ahmad": ("Ahmed", "Achmad"), "Yousef": ("Youssef", "Yusuf", "Jussuf"),
    "Hussein": ("Husain", "Hussain"), "Mustafa": ("Mostafa", "Moustafa"),
    "Khaled": ("Khalid", "Chaled"), "Omar": ("Umar",), "Fatima": ("Fatma", "Fatimah"),
    "Aisha": ("Aischa", "Ayesha"), "Mariam": ("Maryam", "Meriam"), "Noor": ("Nour", "Nur"),
    "Zainab": ("Zeinab", "Sainab"), "Oleksandr": ("Alexandr", "Oleksander", "Aleksandr"),
    "Andrii": ("Andrij", "Andriy"), "Serhii": ("Serhij", "Sergii", "Serhiy"),
    "Yurii": ("Jurij", "Yuriy"), "Yuliia": ("Julija", "Yuliya"),
    "Nataliia": ("Natalija", "Nataliya"), "Anastasiia": ("Anastasija", "Anastasiya"),
    "Mariia": ("Marija", "Mariya"), "Sofiia": ("Sofija", "Sofiya"),
    "Kateryna": ("Katerina", "Kateryna"), "Al-Hassan": ("Alhasan", "El Hassan", "Al Hasan"),
    "Al-Ahmad": ("Alahmad", "El-Ahmad"), "Al-Khatib": ("Alkhatib", "El Khatib"),
    "Youssef": ("Yousef", "Jussef"), "Shevchenko": ("Schewtschenko", "Shevtchenko"),
    "Kovalenko": ("Kowalenko",), "Tkachenko": ("Tkatschenko",), "Kravchenko": ("Krawtschenko",),
    "Hashimi": ("Hashemi", "Haschimi"), "Hussaini": ("Husseini", "Hosseini"),
    "Mohammadi": ("Mohamadi", "Muhammadi"), "Rahimi": ("Rahime",), "Noori": ("Nouri", "Nuri"),
}


def variant(name: str, rng: random.Random) -> str:
    """The name as another registry might have spelt it (each part separately)."""
    parts = []
    for part in name.split(" "):
        choices = VARIANTS.get(part)
        parts.append(rng.choice(choices) if choices else part)
    return " ".join(parts)


def _family_name(origin: Origin, rng: random.Random, female: bool) -> str:
    name = rng.choice(origin.family)
    if name.endswith("*"):  # Ukrainian adjectival names: -skyi / -ska
        name = name[:-1] + ("a" if female else "yi")
    return name


def _gendered(name: str, female: bool) -> str:
    if name.endswith("skyi") and female:
        return name[:-2] + "a"
    if name.endswith("ska") and not female:
        return name[:-1] + "yi"
    return name


def _birth_date(rng: random.Random, low: int, high: int) -> date:
    """Someone aged between low and high years today."""
    return TODAY - timedelta(days=rng.randint(low * 365, high * 365 + 364))


# --- households and persons -----------------------------------------------------------------


class People:
    """Draws households of one origin each; yields person rows in household order."""

    def __init__(self, rng: random.Random, organization_id: int) -> None:
        self.rng = rng
        self.organization_id = organization_id
        self.cumulative = []
        running = 0.0
        for origin in ORIGINS:
            running += origin.share
            self.cumulative.append(running)

    def origin(self) -> Origin:
        draw = self.rng.random() * self.cumulative[-1]
        for origin, edge in zip(ORIGINS, self.cumulative, strict=True):
            if draw < edge:
                return origin
        return ORIGINS[-1]

    def household(self) -> list[dict]:
        """Members of one household: (gender, given names, family name, birth date)."""
        rng = self.rng
        origin = self.origin()
        members: list[dict] = []

        def add(gender: str, family: str, low: int, high: int) -> None:
            female = gender == "f"
            given = rng.choice(origin.female if female else origin.male)
            if rng.random() < 0.15:  # a second given name
                given = f"{given} {rng.choice(origin.female if female else origin.male)}"
            if rng.random() < 0.002:
                gender = "x"
            members.append({"gender": gender, "given_names": given,
                            "family_name": _gendered(family, female),
                            "birth_date": _birth_date(rng, low, high)})

        draw = rng.random()
        if draw < 0.35:  # a single adult; more often a young man, a woman from Ukraine
            female = rng.random() < (0.55 if origin.lone_mothers > 0.5 else 0.2)
            add("f" if female else "m", _family_name(origin, rng, female), 18, 45)
        else:
            family = _family_name(origin, rng, False)
            if rng.random() < origin.lone_mothers:
                add("f", family, 24, 50)
            else:
                add("m", family, 24, 55)
                # Spouses from Syria, Iraq, Afghanistan often keep their own family name.
                own = origin.share < 0.4 and rng.random() < 0.5
                add("f", _family_name(origin, rng, True) if own else family, 20, 50)
            for _child in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))):
                add(rng.choice("fm"), family, 0, 17)
            if rng.random() < 0.1:
                add(rng.choice(("f", "f", "m")), family, 55, 82)
        first, last = origin.arrived
        arrival = first + timedelta(days=rng.randint(0, max((last - first).days, 0)))
        # Children born here: the household is recorded as arriving with its youngest.
        arrival = max(arrival, *(member["birth_date"] for member in members))
        for member in members:
            member["origin"] = origin
            member["arrival_date"] = arrival
        return members


PERSON_COLUMNS = (
    "id", "organization_id", "external_id", "family_name", "given_names", "birth_date",
    "gender", "nationality", "languages", "religion", "profession", "household_id",
    "arrival_date", "created_at", "updated_at", "name_key",
)


# --- shelters, rooms, beds ------------------------------------------------------------------

TOWNS = (
    ("Osnabrück", "49074", 52.2799, 8.0472), ("Melle", "49324", 52.2031, 8.3370),
    ("Bramsche", "49565", 52.4086, 7.9730), ("Georgsmarienhütte", "49124", 52.2025, 8.0447),
    ("Quakenbrück", "49610", 52.6770, 7.9570), ("Bad Iburg", "49186", 52.1590, 8.0460),
    ("Wallenhorst", "49134", 52.3520, 8.0200), ("Bersenbrück", "49593", 52.5530, 7.9440),
    ("Dissen", "49201", 52.1170, 8.2000), ("Bad Essen", "49152", 52.3210, 8.3390),
)
STREETS = ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Am Sportplatz",
           "Kasernenweg", "Schulstraße", "Lindenallee", "Gewerbering", "Kirchplatz")
POLICIES = (("family", 0.45), ("male", 0.30), ("female", 0.15), ("mixed", 0.10))


def _policy(rng: random.Random) -> str:
    draw = rng.random()
    for policy, share in POLICIES:
        if draw < share:
            return policy
        draw -= share
    return "mixed"


def shelter_plan(rng: random.Random, beds_needed: int) -> list[dict]:
    """Shelters with rooms (policy, accessible, beds) until beds_needed beds exist.
    The first is the benchmark shelter, the same in every size."""
    shelters = [{
        "kind": "collective", "name": "Gemeinschaftsunterkunft Benchmark",
        "town": TOWNS[0], "publish": True, "reserve": BENCH_SHELTER_RESERVE,
        "rooms": [(("family", "male", "female", "mixed")[n % 4], n % 10 == 0, 5)
                  for n in range(BENCH_SHELTER_BEDS // 5)],
    }]
    beds = BENCH_SHELTER_BEDS
    number = 1
    while beds < beds_needed:
        number += 1
        town = rng.choice(TOWNS)
        draw = rng.random()
        if draw < 0.25:
            kind, rooms = "flat", [("family", rng.random() < 0.1, rng.randint(3, 8))]
            name = f"Wohnung {rng.choice(STREETS)} {rng.randint(1, 90)}, {town[0]}"
        elif draw < 0.33:
            kind = "emergency"
            rooms = [("mixed", True, rng.randint(60, 300)) for _ in range(rng.randint(1, 2))]
            name = f"Notunterkunft Sporthalle {town[0]} {number}"
        else:
            kind = "collective"
            rooms = [(_policy(rng), rng.random() < 0.1, rng.randint(2, 8))
                     for _ in range(rng.randint(8, 80))]
            name = f"Gemeinschaftsunterkunft {town[0]} {number}"
        shelters.append({"kind": kind, "name": name, "town": town,
                         "publish": rng.random() < 0.6, "reserve": rng.choice((0, 0, 2, 5)),
                         "rooms": rooms})
        beds += sum(size for _policy_, _accessible, size in rooms)
    return shelters


# --- the load -------------------------------------------------------------------------------


def database_url(persons: int, server_url: str | None = None) -> str:
    """exchange_bench_registry_1k, …_1m, …_200 for that size."""
    return _database_url(f"registry_{size_label(persons).lower()}", server_url)


def _stamp(persons: int, seed: int) -> str:
    return (f"exchange registry benchmark: {persons} persons, seed {seed},"
            f" code {fingerprint(Path(__file__))}, migration {migration_target()}")


def _district(conn: psycopg.Connection) -> tuple[int, int]:
    """The district and its caseworker (the user the benchmark acts as)."""
    organization_id = conn.execute(
        "INSERT INTO organizations (name, kind, verified) VALUES (%s, 'district', true)"
        " RETURNING id", (DISTRICT,)
    ).fetchone()[0]
    user_id = add_member(conn, BENCH_CASEWORKER_EMAIL, "Benchmark Caseworker", organization_id,
                         "caseworker")
    return organization_id, user_id


LOADED = ("households", "persons", "shelters", "rooms", "beds", "occupancies")


def _drop_secondary(conn: psycopg.Connection) -> list[str]:
    """Drop the loaded tables' secondary indexes, unique and exclusion constraints; return
    the statements that make them again (from their own definitions)."""
    again = []
    for table in LOADED:
        for name, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('u', 'x')", (table,)
        ).fetchall():
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in conn.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x"
            " JOIN pg_class AS i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)",
            (table,),
        ).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
            again.append(definition)
    return again


def _range(lower: datetime, upper: datetime | None) -> str:
    return f"[{lower.isoformat()},{upper.isoformat() if upper else ''})"


def load(conn: psycopg.Connection, persons: int, seed: int, say) -> dict:
    rng = random.Random(seed)
    organization_id, user_id = _district(conn)
    people = People(rng, organization_id)

    # Persons and households, in household order.
    person_rows: list[tuple] = []
    household_rows: list[tuple] = []
    while len(person_rows) < persons:
        members = people.household()[: persons - len(person_rows)]
        household_id = None
        if len(members) > 1 or rng.random() < 0.5:
            household_id = len(household_rows) + 1
            household_rows.append((household_id, organization_id, f"HH-{household_id:08d}",
                                   NOW))
        for member in members:
            origin = member["origin"]
            person_id = len(person_rows) + 1
            created = datetime.combine(member["arrival_date"], datetime.min.time(), UTC)
            adult = (TODAY - member["birth_date"]).days > 18 * 365
            person_rows.append((
                person_id, organization_id, f"BEN{person_id:09d}", member["family_name"],
                member["given_names"], member["birth_date"], member["gender"],
                rng.choice(origin.nationalities), rng.choice(origin.languages),
                origin.religion if rng.random() < 0.4 else None,
                rng.choice(PROFESSIONS) if adult and rng.random() < 0.3 else None,
                household_id, member["arrival_date"], created, created,
            ))
    # The name key as the import writes it (triggers are off for the COPY): once per name.
    names = sorted({(row[3], row[4]) for row in person_rows})
    name_keys = dict(zip(names, (key for (key,) in conn.execute(
        "SELECT registry_name_key(f, g) FROM unnest(%s::text[], %s::text[])"
        " WITH ORDINALITY AS t(f, g, n) ORDER BY n",
        ([f for f, _g in names], [g for _f, g in names])).fetchall()), strict=True))
    person_rows = [(*row, name_keys[row[3], row[4]]) for row in person_rows]
    housed = [row[0] for row in person_rows if rng.random() < HOUSED_SHARE]
    # The benchmark shelter takes its 150 first (its figures are the same in every size).
    bench_count = min(BENCH_SHELTER_OCCUPIED, len(housed))
    beds_needed = BENCH_SHELTER_BEDS + math.ceil((len(housed) - bench_count) / 0.88)
    plan = shelter_plan(rng, beds_needed)

    shelter_rows, room_rows, bed_rows = [], [], []
    bench_beds: list[int] = []
    other_beds: list[int] = []
    for shelter_id, shelter in enumerate(plan, 1):
        town, postal_code, lat, lon = shelter["town"]
        lat += rng.gauss(0, 0.01)
        lon += rng.gauss(0, 0.015)
        shelter_rows.append((
            shelter_id, organization_id, shelter["name"], shelter["kind"],
            f"{rng.choice(STREETS)} {rng.randint(1, 120)}", postal_code, town,
            f"SRID=4326;POINT({lon:.6f} {lat:.6f})", shelter["publish"], shelter["reserve"],
        ))
        for number, (policy, accessible, size) in enumerate(shelter["rooms"], 1):
            room_id = len(room_rows) + 1
            room_rows.append((room_id, shelter_id, f"Raum {number}", policy, accessible))
            for label in range(1, size + 1):
                bed_id = len(bed_rows) + 1
                status, reason = "available", None
                if shelter_id > 1 and rng.random() < 0.01:
                    status, reason = rng.choice((("blocked", "Schimmel"),
                                                 ("out_of_service", "Defekt"),
                                                 ("blocked", "Quarantäne")))
                bed_rows.append((bed_id, room_id, str(label), status, reason))
                if status == "available":
                    (bench_beds if shelter_id == 1 else other_beds).append(bed_id)

    # Current occupancies: households stay together (beds in room order).
    occupancy_rows = []
    targets = bench_beds[:bench_count] + other_beds[: len(housed) - bench_count]
    span = int((NOW - CURRENT_SINCE).total_seconds()) - 3600
    for person_id, bed_id in zip(housed, targets, strict=False):
        start = CURRENT_SINCE + timedelta(seconds=rng.randint(0, span))
        occupancy_rows.append((person_id, bed_id, _range(start, None), user_id, None, start))
    # Ended occupancies in the year before CURRENT_SINCE: each person and each bed at most once.
    past_persons = rng.sample(range(1, persons + 1), int(persons * PAST_OCCUPANCY_SHARE))
    past_beds = rng.sample(range(1, len(bed_rows) + 1), min(len(past_persons), len(bed_rows)))
    for person_id, bed_id in zip(past_persons, past_beds, strict=False):
        start = PAST_SINCE + timedelta(seconds=rng.randint(0, 200 * 86400))
        end = start + timedelta(days=rng.randint(1, 150))
        occupancy_rows.append((person_id, bed_id, _range(start, end), user_id, user_id, start))

    tables = {
        "households": (("id", "organization_id", "ref", "created_at"), household_rows),
        "persons": (PERSON_COLUMNS, person_rows),
        "shelters": (("id", "organization_id", "name", "kind", "street", "postal_code", "city",
                      "location", "publish_capacity", "reserve_beds"), shelter_rows),
        "rooms": (("id", "shelter_id", "name", "policy", "accessible"), room_rows),
        "beds": (("id", "room_id", "label", "status", "block_reason"), bed_rows),
        "occupancies": (("person_id", "bed_id", "period", "created_by_id", "ended_by_id",
                         "created_at"), occupancy_rows),
    }
    for table in LOADED:
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    again = _drop_secondary(conn)
    for table, (columns, rows) in tables.items():
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        if "id" in columns:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                         f" greatest((SELECT max(id) FROM {table}), 1))")
        say(f"  {table}: {len(rows)} rows copied ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '512MB'")
    for statement in again:
        conn.execute(statement)
    for table in LOADED:
        conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    conn.execute("SELECT capacity_counts_rebuild()")
    say(f"  indexes, constraints and counters rebuilt ({time.perf_counter() - started:.1f} s)")
    return {"organization_id": organization_id, "user_id": user_id,
            "shelters": len(shelter_rows), "beds": len(bed_rows),
            "occupancies": len(occupancy_rows)}


def _publish_all(url: str) -> int:
    """Make the published shelters' listings through the capacity service."""
    from sqlalchemy import select

    from exchange.capacity import publication
    from exchange.capacity.models import Shelter
    from exchange.extensions import db

    app = bench_app(url)
    with app.app_context():
        ids = list(db.session.scalars(
            select(Shelter.id).where(Shelter.publish_capacity.is_(True)).order_by(Shelter.id)))
        for start in range(0, len(ids), 200):
            publication.publish(ids[start:start + 200], place=True)
            db.session.commit()
        db.engine.dispose()
    return len(ids)


def migration_target() -> str:
    return os.environ.get("BENCH_MIGRATION", "head")


def generate(persons: int, url: str | None = None, seed: int = DEFAULT_SEED,
             fresh: bool = False, quiet: bool = False) -> str:
    """Make sure the database for that size holds this registry; return its URL."""
    return generate_database(url or database_url(persons), _stamp(persons, seed), "persons",
                             persons, fresh, quiet, partial(_fill, persons=persons, seed=seed),
                             migration_target())


def _fill(run: Generation, persons: int, seed: int) -> None:
    """Load the registry, publish its shelters through the app, analyse, stamp."""
    with psycopg.connect(run.url) as conn:
        made = load(conn, persons, seed, run.say)
    published = _publish_all(run.url)
    with psycopg.connect(run.url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    with admin_connect(run.url) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{run.name}\" IS '{run.stamp}'")
    run.say(f"{run.name}: {persons} persons, {made['shelters']} shelters ({published} published),"
            f" {made['beds']} beds, {made['occupancies']} occupancies"
            f" in {time.perf_counter() - run.started:.0f} s")


def main(argv: list[str] | None = None) -> None:
    generator_cli(generate, "persons", "1000 1000000", __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    main()
