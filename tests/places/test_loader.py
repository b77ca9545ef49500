"""exchange load-places: the package's data file in, idempotent, replaced by a new version."""

from __future__ import annotations

import gzip
import json

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.places.keys import search_key
from exchange.places.loader import data_file, data_version, load_places, read_postcodes
from exchange.places.models import PlacePostcode, PlaceTown


def _row(code: str, city: str, lat: float, lon: float, accuracy: float = 4.0) -> str:
    return json.dumps({"country_code": "DE", "postal_code": code, "city": city,
                       "state": "Niedersachsen", "latitude": lat, "longitude": lon,
                       "accuracy": accuracy, "source": "allCountries"}) + "\n"


def test_the_package_ships_the_data_and_it_covers_germany():
    rows = read_postcodes(data_file())
    by_code = {(row["postal_code"], row["name"]) for row in rows}
    assert ("49074", "Osnabrück") in by_code and ("49565", "Bramsche") in by_code
    assert len({row["postal_code"] for row in rows}) > 8000
    # Postcodes of single large recipients (accuracy 0: companies) are no places.
    assert not any("GmbH" in row["name"] for row in rows)


def test_loading_the_same_version_again_changes_nothing(app):
    result = load_places()
    assert result.loaded is False and result.version == data_version()
    assert result.postcodes == db.session.scalar(select(func.count()).select_from(PlacePostcode))


def test_a_new_version_replaces_the_tables_and_derives_the_towns(app, tmp_path):
    path = tmp_path / "postcodes.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(_row("49074", "Osnabrück", 52.27, 8.05))
        out.write(_row("49076", "Osnabrück", 52.28, 8.02))
        out.write(_row("49074", "Osnabrück", 52.27, 8.05))  # the same twice: once
        out.write(_row("10875", "Some Company GmbH", 48.8, 9.2, accuracy=0.0))
        out.write(_row("26160", "Neustadt", 53.1, 8.0))  # the same name far apart: two towns
        out.write(_row("31535", "Neustadt", 52.5, 9.46))
        out.write('{"country_code": "AT", "postal_code": "1010", "city": "Wien"}\n')
    result = load_places(path, version="test 1")
    assert (result.loaded, result.postcodes, result.towns) == (True, 4, 3)
    town = db.session.scalars(select(PlaceTown).where(PlaceTown.name == "Osnabrück")).one()
    assert (town.postcode_count, town.first_postal_code) == (2, "49074")
    assert round(town.lat, 3) == 52.275 and town.search_key == "osnabruck"
    assert load_places(path, version="test 1").loaded is False


def test_search_keys_forgive_umlauts_sharp_s_and_punctuation():
    assert search_key("Osnabrück") == "osnabruck"
    assert search_key("Gießen") == "giessen"
    assert search_key("Frankfurt (Oder)") == "frankfurt oder"
    assert search_key("  Halle/Saale ") == "halle saale"
