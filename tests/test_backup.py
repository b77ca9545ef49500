"""`exchange backup` / `exchange restore` (exchange/backup.py): a platform backed up while it
serves, restored into a new database and an empty instance folder, serves the same: the
same token signs in, the same search answers, the counters behind the map agree, and every
document (and its thumbnail) downloads with the same bytes. A restore into a database that
is not empty is refused."""

from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack

import requests
from sqlalchemy import create_engine, text

from tests import servers
from tests.documents.samples import image_bytes

FLAT = {
    "kind": "flat", "title": "Zwei Zimmer am Markt", "description": "Hell.",
    "address": {"street": "Am Markt 3", "postal_code": "49565", "city": "Bramsche"},
    "location": {"lat": 52.4086, "lon": 7.9858}, "rooms": 2, "max_occupants": 3,
    "rent_cold": "400.00", "publish": True,
}
AROUND = {"near": "52.4,7.98", "radius_km": 10, "sort": "distance"}
COUNTERS = "SELECT level, kind, cx, cy, listings, free_beds FROM listing_cells ORDER BY 1, 2, 3, 4"


def _seed(database_url: str) -> str:
    """A landlord with an API token; answers the raw token."""
    return servers.seed_member(database_url, "Vermietung Backup", "landlord",
                               "backup@example.org", "Berta Backup", "landlord")


def _exchange(env: dict, *args: str) -> str:
    done = subprocess.run([str(servers.BIN / "exchange"), *args], cwd=servers.ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _serve(stack: ExitStack, env: dict, tmp_path, token: str) -> tuple[str, requests.Session]:
    port = servers.free_port()
    log = tmp_path / f"{port}.log"
    servers.wait_until_serving(servers.start_server(stack, env, port, log), port, log)
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {token}"
    return f"http://127.0.0.1:{port}/api/v1", client


def _counters(database_url: str) -> list[tuple]:
    """The map's per-cell counters (kept by a trigger, so they must come back as they were)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(COUNTERS))]
    engine.dispose()
    return rows


def test_a_restored_backup_serves_what_the_original_served(no_transaction, tmp_path):
    source, target = servers.fresh_database("_backup_a"), servers.fresh_database("_backup_b")
    servers.upgrade_database(source)
    token = _seed(source)
    base_env = {**os.environ, "EXCHANGE_ENV": "production",
                "SECRET_KEY": "backup-test-" + "k" * 32}
    base_env.pop("REDIS_URL", None)
    env_a = {**base_env, "DATABASE_URL": source, "INSTANCE_PATH": str(tmp_path / "a")}
    env_b = {**base_env, "DATABASE_URL": target, "INSTANCE_PATH": str(tmp_path / "b")}
    with ExitStack() as stack:
        a, client = _serve(stack, env_a, tmp_path, token)
        text_doc = client.post(f"{a}/documents", files={"file": ("Vertrag.txt", b"Mietvertrag\n")})
        photo = client.post(f"{a}/documents", files={"file": ("Foto.png", image_bytes("PNG"))})
        assert text_doc.status_code == photo.status_code == 201, text_doc.text + photo.text
        listing = client.post(f"{a}/listings", json=FLAT)
        assert listing.status_code == 201, listing.text
        found = client.get(f"{a}/listings", params=AROUND).json()
        assert [item["id"] for item in found["items"]] == [listing.json()["id"]]
        thumbnail = client.get(f"{a}/documents/{photo.json()['id']}/thumbnail").content

        # Backed up while A serves.
        said = _exchange(env_a, "backup", str(tmp_path / "backup"))
        assert "3 document file(s)" in said  # the two uploads and the photo's thumbnail

    said = _exchange(env_b, "restore", str(tmp_path / "backup"))
    assert "3 document file(s)" in said
    counters = _counters(source)
    assert counters and _counters(target) == counters
    with ExitStack() as stack:
        b, client = _serve(stack, env_b, tmp_path, token)
        assert client.get(f"{b}/me").json()["email"] == "backup@example.org"
        assert client.get(f"{b}/listings", params=AROUND).json() == found
        for document, content in ((text_doc, b"Mietvertrag\n"),
                                  (photo, image_bytes("PNG"))):
            downloaded = client.get(f"{b}/documents/{document.json()['id']}/content")
            assert downloaded.status_code == 200 and downloaded.content == content
        assert client.get(f"{b}/documents/{photo.json()['id']}/thumbnail").content == thumbnail

    # Restoring again would mix two states: refused, nothing touched.
    again = subprocess.run([str(servers.BIN / "exchange"), "restore", str(tmp_path / "backup")],
                           cwd=servers.ROOT, env=env_b, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode != 0 and "not empty" in again.stderr
    assert _counters(target) == counters
