"""`exchange snapshot-capacity`, `exchange purge-registry`, `exchange rebuild-capacity-counts`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import Range

from exchange.capacity.models import CapacityCount, CapacitySnapshot, Occupancy, Person
from exchange.extensions import db
from tests import dates
from tests.capacity.conftest import bed_ids


def test_snapshot_capacity(run, district, make_shelter):
    shelter = make_shelter(district, rooms=[("mixed", 4)])
    the_day = dates.day(-10)
    result = run("snapshot-capacity", "--day", the_day.isoformat())
    assert result.exit_code == 0, result.output
    assert the_day.isoformat() in result.output
    snapshot = db.session.scalar(
        select(CapacitySnapshot).where(CapacitySnapshot.shelter_id == shelter.id)
    )
    assert (snapshot.day, snapshot.organization_id, snapshot.total, snapshot.free) == (
        the_day,
        district.id,
        4,
        4,
    )
    assert run("snapshot-capacity", "--day", f"{the_day:%d.%m.%Y}").exit_code != 0


def test_purge_registry(run, app, district, make_shelter, make_person):
    shelter = make_shelter(district, rooms=[("mixed", 1)])
    person = make_person(district, family_name="Alt")
    ended = datetime.now(UTC) - timedelta(days=app.config["REGISTRY_RETENTION_DAYS"] + 1)
    db.session.add(
        Occupancy(
            person_id=person.id,
            bed_id=bed_ids(shelter)[0],
            period=Range(ended - timedelta(days=30), ended, bounds="[)"),
        )
    )
    db.session.flush()
    result = run("purge-registry")
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 person" in result.output
    assert db.session.get(Person, person.id).family_name == ""


def test_rebuild_capacity_counts(run, district, make_shelter):
    shelter = make_shelter(district, rooms=[("family", 3)])
    db.session.execute(
        update(CapacityCount).where(CapacityCount.shelter_id == shelter.id).values(total=99)
    )
    result = run("rebuild-capacity-counts")
    assert result.exit_code == 0, result.output
    assert db.session.get(CapacityCount, shelter.id).total == 3
