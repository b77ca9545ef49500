"""The listings tables: constraints, the spatial index, the cluster counts' trigger."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from exchange.extensions import db
from exchange.listings.models import Listing, ListingCell


def _violates(constraint: str, statement: str, **params) -> None:
    with pytest.raises(IntegrityError) as caught, db.session.begin_nested():
        db.session.execute(text(statement), params)
    assert constraint in str(caught.value)


@pytest.mark.parametrize("column", ["rooms", "area_m2", "max_occupants", "rent_cold",
                                    "utilities", "free_beds", "beds_male", "accessible_beds"])
def test_numbers_may_not_be_negative(make_listing, column):
    listing = make_listing(kind="beds" if "beds" in column else "flat")
    _violates(
        f"ck_listings_{column}_non_negative",
        f"UPDATE listings SET {column} = -1 WHERE id = :id",
        id=listing.id,
    )


def test_status_kind_and_source_are_checked(make_listing):
    listing = make_listing()
    _violates(
        "ck_listings_status", "UPDATE listings SET status = 'sold' WHERE id = :id", id=listing.id
    )
    _violates(
        "ck_listings_kind", "UPDATE listings SET kind = 'castle' WHERE id = :id", id=listing.id
    )
    _violates(
        "ck_listings_source", "UPDATE listings SET source = 'rumour' WHERE id = :id", id=listing.id
    )


def test_a_flat_needs_occupants_and_beds_need_a_count(make_listing):
    flat = make_listing()
    beds = make_listing(kind="beds")
    _violates(
        "ck_listings_flat_occupants",
        "UPDATE listings SET max_occupants = NULL WHERE id = :id",
        id=flat.id,
    )
    _violates(
        "ck_listings_beds_fields", "UPDATE listings SET free_beds = NULL WHERE id = :id", id=beds.id
    )


def test_availability_may_not_end_before_it_starts(make_listing):
    listing = make_listing()
    _violates(
        "ck_listings_available_range",
        "UPDATE listings SET available_from = '2026-05-01', available_until = '2026-04-01'"
        " WHERE id = :id",
        id=listing.id,
    )


def test_location_is_required(make_listing):
    listing = make_listing()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE listings SET location = NULL WHERE id = :id"), {"id": listing.id}
        )


def test_location_has_a_gist_index_and_is_geography():
    indexes = dict(
        db.session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'listings'")
        ).all()
    )
    assert "USING gist (location)" in indexes["ix_listings_location"]
    assert "USING gist (((location)::geometry))" in indexes["ix_listings_location_geometry"]
    column_type = db.session.scalar(
        text(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'listings'::regclass AND attname = 'location'"
        )
    )
    assert column_type == "geography(Point,4326)"


def test_timestamps_are_timestamptz():
    types = set(
        db.session.scalars(
            text(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'listings'"
                " AND column_name IN ('created_at', 'updated_at', 'confirmed_at', 'expires_at')"
            )
        )
    )
    assert types == {"timestamp with time zone"}


def _cells(level: int) -> list[tuple]:
    return db.session.execute(
        select(ListingCell.kind, ListingCell.listings, ListingCell.free_beds, ListingCell.sum_id)
        .where(ListingCell.level == level, ListingCell.listings > 0)
        .order_by(ListingCell.kind)
    ).all()


def test_the_trigger_counts_published_listings_per_cell(make_listing):
    db.session.execute(text("DELETE FROM listings"))
    draft = make_listing(kind="beds", status="draft", free_beds=5)
    assert _cells(3) == []
    beds = make_listing(kind="beds", free_beds=7)
    flat = make_listing(lon=13.5)
    assert _cells(3) == [("beds", 1, 7, beds.id), ("flat", 1, 0, flat.id)]
    db.session.execute(
        text("UPDATE listings SET status = 'published' WHERE id = :id"), {"id": draft.id}
    )
    db.session.execute(text("UPDATE listings SET free_beds = 1 WHERE id = :id"), {"id": beds.id})
    assert _cells(3) == [("beds", 2, 6, beds.id + draft.id), ("flat", 1, 0, flat.id)]
    # At the finest level the flat, ~7 km east, lies in a cell of its own.
    fine = (
        db.session.execute(
            select(ListingCell.cx).where(ListingCell.level == 16, ListingCell.listings > 0)
        )
        .scalars()
        .all()
    )
    assert len(set(fine)) == 2
    db.session.execute(text("UPDATE listings SET status = 'withdrawn' WHERE kind = 'beds'"))
    db.session.execute(text("DELETE FROM listings WHERE id = :id"), {"id": flat.id})
    assert _cells(3) == []
    assert db.session.scalar(select(db.func.count()).select_from(ListingCell)) == 0


def _all_cell_rows() -> set[tuple]:
    """Every cell row (the columns the trigger and the rebuild fill), as a set to compare."""
    return set(
        db.session.execute(
            select(
                ListingCell.level,
                ListingCell.kind,
                ListingCell.cx,
                ListingCell.cy,
                ListingCell.listings,
                ListingCell.free_beds,
                ListingCell.sum_id,
            )
        ).all()
    )


def test_rebuild_gives_what_the_trigger_kept(make_listing):
    for lon in (6.9, 9.99, 13.4, 13.41):
        make_listing(lon=lon, lat=51.0)
        make_listing(kind="beds", lon=lon + 0.3, lat=50.2, free_beds=3)
    kept = _all_cell_rows()
    db.session.execute(text("SELECT listing_cells_rebuild()"))
    rebuilt = _all_cell_rows()
    assert kept == rebuilt
    assert db.session.scalar(select(db.func.count()).select_from(Listing)) >= 8
