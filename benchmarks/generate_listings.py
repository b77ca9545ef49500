"""Fill a benchmark database with N listings spread over Germany.

    python -m benchmarks.generate_listings 1000000            # → database exchange_bench_1m
    python -m benchmarks.generate_listings 10000 --fresh      # drop and make it again

Each size gets a database of its own (`exchange_bench_10k`, `exchange_bench_1m`, …; another
prefix with `BENCH_DATABASE_PREFIX`) on the server of `BENCH_DATABASE_URL` (default: the
local server), migrated with the app's real migrations as tests/conftest.py does. Listings
cluster around ~55 big German cities (weighted by population, spread growing with the
city) over a rural background inside a rough outline of Germany; both kinds, mostly
published, with plausible rents, beds and dates, owned by a handful of organisations and
users. Rows go in with COPY; the map's cluster counts are rebuilt once afterwards (the
per-row trigger is off during the load) and the table is vacuumed and analysed.

A database that already holds N listings made from the current migrations is left alone;
its comment records the migrations' fingerprint, the size and the seed.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

import psycopg

from benchmarks.common import (
    DEFAULT_SEED,
    NOW,
    TODAY,
    Generation,
    add_member,
    fingerprint,
    generate_database,
    generator_cli,
    migrate,
    row_count,
    size_label,
)
from benchmarks.common import database_url as _database_url


@dataclass(frozen=True)
class City:
    name: str
    postal_code: str
    lat: float
    lon: float
    population: int  # thousands, rounded (Destatis, 2022)


CITIES: tuple[City, ...] = (
    City("Berlin", "10115", 52.5200, 13.4050, 3755),
    City("Hamburg", "20095", 53.5511, 9.9937, 1892),
    City("München", "80331", 48.1372, 11.5755, 1512),
    City("Köln", "50667", 50.9375, 6.9603, 1084),
    City("Frankfurt am Main", "60311", 50.1109, 8.6821, 773),
    City("Stuttgart", "70173", 48.7758, 9.1829, 633),
    City("Düsseldorf", "40213", 51.2277, 6.7735, 629),
    City("Leipzig", "04109", 51.3397, 12.3731, 616),
    City("Dortmund", "44135", 51.5136, 7.4653, 595),
    City("Essen", "45127", 51.4556, 7.0116, 584),
    City("Bremen", "28195", 53.0793, 8.8017, 577),
    City("Dresden", "01067", 51.0504, 13.7373, 563),
    City("Hannover", "30159", 52.3759, 9.7320, 545),
    City("Nürnberg", "90402", 49.4521, 11.0767, 523),
    City("Duisburg", "47051", 51.4344, 6.7623, 503),
    City("Bochum", "44787", 51.4818, 7.2162, 365),
    City("Wuppertal", "42103", 51.2562, 7.1508, 358),
    City("Bielefeld", "33602", 52.0302, 8.5325, 334),
    City("Bonn", "53111", 50.7374, 7.0982, 336),
    City("Münster", "48143", 51.9607, 7.6261, 320),
    City("Mannheim", "68159", 49.4875, 8.4660, 315),
    City("Karlsruhe", "76133", 49.0069, 8.4037, 308),
    City("Augsburg", "86150", 48.3705, 10.8978, 301),
    City("Wiesbaden", "65183", 50.0782, 8.2398, 283),
    City("Mönchengladbach", "41061", 51.1805, 6.4428, 268),
    City("Gelsenkirchen", "45879", 51.5177, 7.0857, 263),
    City("Aachen", "52062", 50.7753, 6.0839, 249),
    City("Braunschweig", "38100", 52.2689, 10.5268, 251),
    City("Kiel", "24103", 54.3233, 10.1228, 247),
    City("Chemnitz", "09111", 50.8278, 12.9214, 250),
    City("Halle (Saale)", "06108", 51.4825, 11.9697, 239),
    City("Magdeburg", "39104", 52.1205, 11.6276, 240),
    City("Freiburg im Breisgau", "79098", 47.9990, 7.8421, 237),
    City("Krefeld", "47798", 51.3388, 6.5853, 228),
    City("Mainz", "55116", 49.9929, 8.2473, 220),
    City("Lübeck", "23552", 53.8655, 10.6866, 218),
    City("Erfurt", "99084", 50.9848, 11.0299, 214),
    City("Oberhausen", "46045", 51.4963, 6.8638, 209),
    City("Rostock", "18055", 54.0924, 12.0991, 209),
    City("Kassel", "34117", 51.3127, 9.4797, 202),
    City("Hagen", "58095", 51.3671, 7.4633, 189),
    City("Potsdam", "14467", 52.3906, 13.0645, 185),
    City("Saarbrücken", "66111", 49.2402, 6.9969, 181),
    City("Hamm", "59065", 51.6739, 7.8150, 180),
    City("Ludwigshafen am Rhein", "67059", 49.4774, 8.4452, 172),
    City("Oldenburg", "26122", 53.1435, 8.2146, 170),
    City("Mülheim an der Ruhr", "45468", 51.4275, 6.8825, 171),
    City("Osnabrück", "49074", 52.2799, 8.0472, 166),
    City("Leverkusen", "51373", 51.0459, 7.0192, 167),
    City("Darmstadt", "64283", 49.8728, 8.6512, 160),
    City("Heidelberg", "69117", 49.3988, 8.6724, 160),
    City("Regensburg", "93047", 49.0134, 12.1016, 153),
    City("Würzburg", "97070", 49.7913, 9.9534, 127),
    City("Ulm", "89073", 48.4011, 9.9876, 126),
    City("Göttingen", "37073", 51.5413, 9.9158, 118),
)

# Germany's outline, coarsely (lon, lat), clockwise from the Dutch border at the Dollart.
# Enough to keep rural listings out of the sea, France, Poland and the Alps' far side.
GERMANY_OUTLINE: tuple[tuple[float, float], ...] = (
    (7.2, 53.3), (7.05, 52.65), (6.7, 52.45), (7.05, 52.25), (6.7, 51.9), (6.0, 51.85),
    (6.2, 51.5), (5.95, 51.05), (6.0, 50.75), (6.4, 50.35), (6.1, 50.15), (6.35, 49.6),
    (6.4, 49.45), (6.8, 49.15), (7.6, 49.05), (8.2, 48.97), (7.6, 48.0), (7.55, 47.6),
    (8.6, 47.6), (9.6, 47.55), (10.2, 47.3), (10.9, 47.45), (12.2, 47.6), (13.0, 47.5),
    (12.9, 48.2), (13.8, 48.6), (12.7, 49.4), (12.1, 50.2), (12.3, 50.35), (13.0, 50.45),
    (14.3, 50.9), (14.8, 50.85), (15.0, 51.1), (14.7, 51.6), (14.6, 52.3), (14.15, 52.9),
    (14.4, 53.3), (14.2, 53.9), (13.4, 54.7), (12.3, 54.45), (11.0, 54.0), (11.0, 54.45),
    (10.0, 54.6), (9.4, 54.85), (8.6, 54.9), (8.4, 55.05), (8.5, 54.3), (8.9, 53.9),
    (8.0, 53.7), (7.0, 53.7), (6.7, 53.5),
)
GERMANY_BBOX = (5.9, 47.3, 15.0, 55.0)  # min lon, min lat, max lon, max lat

# Share of listings around the cities; the rest is spread over the countryside.
CITY_SHARE = 0.72

VILLAGES = (
    "Bramsche", "Melle", "Lingen (Ems)", "Meppen", "Quakenbrück", "Bad Iburg", "Papenburg",
    "Haselünne", "Wittmund", "Uelzen", "Soltau", "Celle", "Prenzlau", "Eberswalde",
    "Neuruppin", "Wittenberge", "Stendal", "Salzwedel", "Güstrow", "Neustrelitz", "Anklam",
    "Pirna", "Bautzen", "Zittau", "Plauen", "Hof", "Bayreuth", "Passau", "Deggendorf",
    "Landshut", "Rosenheim", "Kempten (Allgäu)", "Biberach an der Riß", "Tuttlingen",
    "Lörrach", "Offenburg", "Pirmasens", "Trier", "Bitburg", "Daun", "Siegen", "Marburg",
    "Fulda", "Eisenach", "Suhl", "Coburg", "Husum", "Heide", "Rendsburg", "Stade",
)
STREETS = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
    "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße",
    "Schillerstraße", "Goethestraße", "Mühlenweg", "Wiesenweg", "Am Markt", "Feldstraße",
    "Rosenstraße", "Parkstraße", "Friedhofstraße",
)

# The organisations and people that own the generated listings.
ORGANIZATIONS = (
    # name, kind, verified
    ("Landkreis Osnabrück (Benchmark)", "district", True),
    ("Region Hannover (Benchmark)", "district", True),
    ("Landkreis Emsland (Benchmark)", "district", True),
    ("Stadt Hamburg, Fachamt Wohnen (Benchmark)", "municipality", True),
    ("Stadt Leipzig, Sozialamt (Benchmark)", "municipality", True),
    ("Diakonie Unterkünfte (Benchmark)", "provider", True),
    ("Wohnbau Nord GmbH (Benchmark)", "landlord", True),
    ("Süd Immobilien eG (Benchmark)", "landlord", True),
    ("Private Vermieter (Benchmark)", "landlord", False),
)
USERS_PER_ORGANIZATION = 3
BENCH_OFFICIAL_EMAIL = "official@bench.example"


def database_url(listings: int, server_url: str | None = None) -> str:
    """exchange_bench_10k, exchange_bench_1m, exchange_bench_200 … for that size."""
    return _database_url(size_label(listings).lower(), server_url)


def _stamp(listings: int, seed: int) -> str:
    return (f"exchange benchmark: {listings} listings, seed {seed},"
            f" code {fingerprint(Path(__file__))}")


# --- where listings lie --------------------------------------------------------------------


def _inside(lon: float, lat: float, polygon=GERMANY_OUTLINE) -> bool:
    """Ray casting: is the point inside the polygon?"""
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


class Placer:
    """Draws listing positions: near a city (Gaussian, wider for bigger cities) or rural."""

    GRID = 0.05  # degrees; the outline test is precomputed on this grid

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        total = sum(c.population for c in CITIES)
        running, self.cumulative = 0.0, []
        for city in CITIES:
            running += city.population / total
            self.cumulative.append(running)
        min_lon, min_lat, max_lon, max_lat = GERMANY_BBOX
        columns = math.ceil((max_lon - min_lon) / self.GRID)
        rows = math.ceil((max_lat - min_lat) / self.GRID)
        self.mask = [
            [
                _inside(min_lon + (col + 0.5) * self.GRID, min_lat + (row + 0.5) * self.GRID)
                for col in range(columns)
            ]
            for row in range(rows)
        ]

    def city(self) -> City:
        index = bisect_right(self.cumulative, self.rng.random())
        return CITIES[min(index, len(CITIES) - 1)]

    def in_germany(self, lon: float, lat: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = GERMANY_BBOX
        if not (min_lon <= lon < max_lon and min_lat <= lat < max_lat):
            return False
        return self.mask[int((lat - min_lat) / self.GRID)][int((lon - min_lon) / self.GRID)]

    def near(self, city: City) -> tuple[float, float]:
        # σ of 3 km for a small city up to ~11 km for Berlin; one in five lies in the
        # wider commuter belt. Border cities (Aachen) keep their listings on this side.
        sigma_km = 3.0 + 4.0 * math.sqrt(city.population / 1000)
        if self.rng.random() < 0.2:
            sigma_km *= 2.5
        sigma_lat = sigma_km / 111.2
        sigma_lon = sigma_km / (111.2 * math.cos(math.radians(city.lat)))
        for _attempt in range(10):
            lat = city.lat + self.rng.gauss(0.0, sigma_lat)
            lon = city.lon + self.rng.gauss(0.0, sigma_lon)
            if self.in_germany(lon, lat):
                break
        return lon, lat

    def rural(self) -> tuple[float, float]:
        min_lon, min_lat, max_lon, max_lat = GERMANY_BBOX
        while True:
            lon = self.rng.uniform(min_lon, max_lon)
            lat = self.rng.uniform(min_lat, max_lat)
            if self.in_germany(lon, lat):
                return lon, lat


# --- what listings say ---------------------------------------------------------------------

COLUMNS = (
    "kind", "status", "title", "description", "street", "postal_code", "city", "location",
    "organization_id", "owner_id",
    "rooms", "area_m2", "max_occupants", "rent_cold", "utilities", "available_from",
    "available_until", "furnished", "accessible", "pets_allowed",
    "free_beds", "beds_male", "beds_female", "beds_family", "beds_mixed", "accessible_beds",
    "valid_until", "shelter_id", "source",
    "created_at", "updated_at", "listed_at", "confirmed_at", "expires_at", "reserved_at",
)
STATUSES = (("published", 0.80), ("draft", 0.05), ("reserved", 0.05), ("let", 0.04),
            ("withdrawn", 0.03), ("expired", 0.03))
TTL = timedelta(days=14)
# €/m² cold rent: Munich and the big cities are dear, the countryside cheap.
EXPENSIVE = {"München": 19.0, "Frankfurt am Main": 16.0, "Stuttgart": 15.5, "Hamburg": 14.5,
             "Berlin": 13.5, "Köln": 13.0, "Düsseldorf": 12.5, "Heidelberg": 12.5,
             "Freiburg im Breisgau": 13.5, "Mainz": 12.5, "Darmstadt": 12.5, "Potsdam": 11.5}


@dataclass
class Owners:
    """Ids of the generated organisations and their users, by kind."""

    flat_owners: list[tuple[int, int]]  # (organization_id, user_id)
    beds_owners: list[tuple[int, int]]


class Rows:
    def __init__(self, seed: int, owners: Owners) -> None:
        self.rng = random.Random(seed)
        self.placer = Placer(self.rng)
        self.owners = owners
        running, self.status_cumulative = 0.0, []
        for _status, share in STATUSES:
            running += share
            self.status_cumulative.append(running)

    def status(self) -> str:
        index = bisect_right(self.status_cumulative, self.rng.random())
        return STATUSES[min(index, len(STATUSES) - 1)][0]

    def row(self) -> tuple:
        rng = self.rng
        if rng.random() < CITY_SHARE:
            city = self.placer.city()
            lon, lat = self.placer.near(city)
            place, postal_code, price = city.name, city.postal_code, EXPENSIVE.get(city.name, 10.0)
        else:
            lon, lat = self.placer.rural()
            place = rng.choice(VILLAGES)
            postal_code, price = f"{rng.randint(1067, 99998):05d}", 7.5
        status = self.status()
        kind = "flat" if rng.random() < 0.7 else "beds"

        created = NOW - timedelta(seconds=rng.randint(3600, 400 * 86400))
        listed = created + timedelta(seconds=rng.randint(0, 3 * 86400))
        listed = min(listed, NOW)
        confirmed = expires = reserved = None
        if status == "published":
            confirmed = NOW - timedelta(seconds=rng.randint(0, 13 * 86400))
            confirmed = max(confirmed, listed)
            expires = confirmed + TTL
        elif status == "expired":
            expires = NOW - timedelta(days=rng.randint(1, 60))
            confirmed = expires - TTL
        elif status in ("reserved", "let"):
            confirmed = listed
            reserved = listed + timedelta(days=rng.randint(1, 20))
            reserved = min(reserved, NOW)
        updated = max(x for x in (listed, confirmed, reserved, created) if x is not None)
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"

        if kind == "flat":
            organization_id, owner_id = rng.choice(self.owners.flat_owners)
            rooms = rng.choice((1, 1.5, 2, 2, 2, 3, 3, 3, 4, 4, 5))
            area = round(rooms * rng.uniform(22, 32) + rng.uniform(5, 15), 2)
            rent = round(area * price * rng.uniform(0.8, 1.2), 2)
            available_from = TODAY + timedelta(days=rng.randint(-30, 120))
            available_until = (available_from + timedelta(days=rng.randint(180, 730))
                               if rng.random() < 0.15 else None)
            flat = (rooms, area, int(rooms) + rng.randint(0, 2), rent,
                    round(area * rng.uniform(2.2, 3.6), 2), available_from, available_until,
                    rng.random() < 0.2, rng.random() < 0.1, rng.random() < 0.3)
            title = f"{rooms:g}-Zimmer-Wohnung, {area:.0f} m², {place}"
            description = (f"Helle Wohnung in {place}, {rooms:g} Zimmer, Küche, Bad. "
                           "Für Geflüchtete, gern auch Familien.")
            beds = (None,) * 9
        else:
            organization_id, owner_id = rng.choice(self.owners.beds_owners)
            free = min(int(rng.expovariate(1 / 8)), 120)
            male = rng.randint(0, free)
            female = rng.randint(0, free - male)
            family = rng.randint(0, free - male - female)
            mixed = free - male - female - family
            registry = rng.random() < 0.7
            beds = (free, male, female, family, mixed, rng.randint(0, free // 4),
                    TODAY + timedelta(days=rng.randint(7, 60)), rng.randint(1, 5000),
                    "registry" if registry else "manual")
            if registry:
                owner_id = None
            title = f"Freie Plätze: Unterkunft {place}"
            description = f"Gemeinschaftsunterkunft in {place}, {free} freie Betten."
            flat = (None,) * 10
        return (
            kind, status, title, description, street, postal_code, place,
            f"SRID=4326;POINT({lon:.6f} {lat:.6f})", organization_id, owner_id,
            *flat, *beds,
            created, updated, listed, confirmed, expires, reserved,
        )


# --- the load ------------------------------------------------------------------------------


def _owners(conn: psycopg.Connection) -> Owners:
    """The generator's organisations and users (made once), and an official for the API."""
    flat_owners: list[tuple[int, int]] = []
    beds_owners: list[tuple[int, int]] = []
    for index, (name, kind, verified) in enumerate(ORGANIZATIONS):
        row = conn.execute("SELECT id FROM organizations WHERE name = %s", (name,)).fetchone()
        if row is None:
            row = conn.execute(
                "INSERT INTO organizations (name, kind, verified) VALUES (%s, %s, %s)"
                " RETURNING id",
                (name, kind, verified),
            ).fetchone()
        organization_id = row[0]
        role = "landlord" if kind == "landlord" else "official"
        for number in range(USERS_PER_ORGANIZATION):
            email = f"owner{index}-{number}@bench.example"
            user = conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()
            user_id = user[0] if user else add_member(conn, email, f"Owner {index}-{number}",
                                                      organization_id, role)
            pair = (organization_id, user_id)
            if kind in ("landlord", "municipality"):
                flat_owners.append(pair)
            if kind in ("district", "municipality", "provider"):
                beds_owners.append(pair)
    # The user the benchmark calls the API as: an official of the first district.
    if conn.execute("SELECT 1 FROM users WHERE email = %s", (BENCH_OFFICIAL_EMAIL,)).fetchone() \
            is None:
        district_id = conn.execute(
            "SELECT id FROM organizations WHERE name = %s", (ORGANIZATIONS[0][0],)
        ).fetchone()[0]
        add_member(conn, BENCH_OFFICIAL_EMAIL, "Benchmark Official", district_id, "official")
    return Owners(flat_owners, beds_owners)


def _rebuild_cells(conn: psycopg.Connection) -> None:
    for function in ("listing_cells_rebuild", "listing_filter_cells_rebuild",
                     "listing_id_blocks_rebuild"):
        exists = conn.execute("SELECT 1 FROM pg_proc WHERE proname = %s", (function,)).fetchone()
        if exists:
            conn.execute(f"SELECT {function}()")


def generate(listings: int, url: str | None = None, seed: int = DEFAULT_SEED,
             fresh: bool = False, quiet: bool = False) -> str:
    """Make sure the database for that size holds exactly those listings; return its URL."""
    return generate_database(url or database_url(listings), _stamp(listings, seed), "listings",
                             listings, fresh, quiet, partial(_fill, listings=listings, seed=seed))


def reuse(listings: int, url: str | None = None) -> str:
    """Keep a database that holds its N listings even if made from older migrations:
    migrate it to head (new indexes and count tables fill themselves in their migration)
    instead of making it again; make it when it is missing or holds another number."""
    url = url or database_url(listings)
    if row_count(url, "listings") != listings:
        return generate(listings, url=url)
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return url


def _fill(run: Generation, listings: int, seed: int) -> None:
    """COPY the listings in with the cell trigger off, rebuild the cells, stamp, analyse."""
    name, say = run.name, run.say
    with psycopg.connect(run.url) as conn:
        owners = _owners(conn)
        rows = Rows(seed, owners)
        # The per-row trigger would upsert 14 cell rows per listing; the cells are
        # recomputed in one statement below instead.
        conn.execute("ALTER TABLE listings DISABLE TRIGGER USER")
        loading = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            f"COPY listings ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            for number in range(listings):
                copy.write_row(rows.row())
                if number and number % 200_000 == 0:
                    say(f"{name}: {number} rows ({time.perf_counter() - loading:.0f} s)")
        say(f"{name}: {listings} rows copied ({time.perf_counter() - loading:.1f} s)")
        conn.execute("ALTER TABLE listings ENABLE TRIGGER USER")
        cells = time.perf_counter()
        _rebuild_cells(conn)
        say(f"{name}: map cells rebuilt ({time.perf_counter() - cells:.1f} s)")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{run.stamp}'")
    with psycopg.connect(run.url, autocommit=True) as conn:
        vacuum = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) listings")
        for table in ("listing_cells", "listing_filter_cells"):
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None:
                conn.execute(f"VACUUM (ANALYZE) {table}")
        say(f"{name}: vacuumed and analysed ({time.perf_counter() - vacuum:.1f} s)")
    say(f"{name}: {listings} listings in {time.perf_counter() - run.started:.0f} s")


def main(argv: list[str] | None = None) -> None:
    generator_cli(generate, "listings", "10000 1000000", __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    main()
