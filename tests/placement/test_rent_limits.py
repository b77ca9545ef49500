"""Rent and size limits: kept by the district's admins (API and page), in force by their
date, imported from CSV, and what they make of a flat (fits_households)."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.placement.models import RentLimit
from tests.dates import day, iso


def _limit_body(region, **changes):
    body = {"district_id": region["district"].id, "municipality_id": region["mitte"].id,
            "household_size": 2, "valid_from": iso(-10), "max_gross_rent": "700.00",
            "max_area_m2": "65.00"}
    body.update(changes)
    return body


def test_district_admin_keeps_limits_through_the_api(region, as_user):
    admin = as_user(role="admin", org=region["district"])
    created = admin.post("/api/v1/rent-limits", json=_limit_body(region))
    assert created.status_code == 201, created.get_json()
    limit = created.get_json()
    assert limit["max_gross_rent"] == "700.00"
    changed = admin.patch(f"/api/v1/rent-limits/{limit['id']}",
                          json={"max_gross_rent": "720.50"})
    assert changed.get_json()["max_gross_rent"] == "720.50"
    listed = admin.get(f"/api/v1/rent-limits?district_id={region['district'].id}").get_json()
    assert [item["id"] for item in listed["items"]] == [limit["id"]]
    twice = admin.post("/api/v1/rent-limits", json=_limit_body(region))
    assert twice.status_code == 409
    assert admin.delete(f"/api/v1/rent-limits/{limit['id']}").status_code == 204


def test_bad_values_name_the_field_and_write_nothing(region, as_user):
    admin = as_user(role="admin", org=region["district"])
    answer = admin.post("/api/v1/rent-limits", json=_limit_body(region, max_area_m2="-3"))
    assert answer.status_code == 422
    assert "max_area_m2" in answer.get_json()["errors"]["json"]
    half = admin.post("/api/v1/rent-limits",
                      json=_limit_body(region, further_person_rent="100.00"))
    assert half.status_code == 422
    assert "further_person_area_m2" in half.get_json()["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(RentLimit)) == 0


def test_another_districts_ids_answer_404(region, as_user, make_limits):
    (limit, *_rest) = make_limits(region["other"], region["munich"])
    admin = as_user(role="admin", org=region["district"])
    assert admin.get(f"/api/v1/rent-limits?district_id={region['other'].id}").status_code == 404
    assert admin.patch(f"/api/v1/rent-limits/{limit.id}",
                       json={"max_gross_rent": "1.00"}).status_code == 404
    assert admin.delete(f"/api/v1/rent-limits/{limit.id}").status_code == 404
    foreign = admin.post("/api/v1/rent-limits",
                         json=_limit_body(region, municipality_id=region["munich"].id))
    assert foreign.status_code == 422
    assert "municipality_id" in foreign.get_json()["errors"]["json"]
    upload = admin.post("/api/v1/rent-limits/imports", data={
        "district_id": str(region["other"].id),
        "file": (io.BytesIO(b"Gemeinde;Haushaltsgr\xf6\xdfe\n"), "limits.csv")})
    assert upload.status_code == 404
    official = as_user(role="official", org=region["district"])
    assert official.post("/api/v1/rent-limits", json=_limit_body(region)).status_code == 404


def _flat_sizes(client, listing_id):
    return client.get(f"/api/v1/listings/{listing_id}").get_json()["fits_households"]


def test_a_flat_shows_the_household_sizes_it_is_appropriate_for(
        region, as_user, make_limits, make_listing):
    # 62 m², 650 + 150 = 800 €: too large for one, too dear for two, right for 3 and 4.
    make_limits(region["district"], region["mitte"])
    flat = make_listing()
    official = as_user(role="official", org=region["district"])
    assert _flat_sizes(official, flat.id) == [3, 4]
    small = make_listing(max_occupants=3)
    assert _flat_sizes(official, small.id) == [3]
    beds = make_listing(kind="beds")
    assert "fits_households" not in official.get(f"/api/v1/listings/{beds.id}").get_json()


def test_the_latest_table_in_force_decides(region, as_user, make_limits, make_listing):
    make_limits(region["district"], region["mitte"], valid_from=None)
    # A newer table (in force since yesterday) that is dearer for 2; one from next week
    # that would allow only 4 does not count yet.
    make_limits(region["district"], region["mitte"], valid_from=day(-1),
        table={1: ("500", "50"), 2: ("850", "70"), 3: ("850", "80")})
    make_limits(region["district"], region["mitte"],
                valid_from=day(7),
                table={4: ("1000", "95")})
    flat = make_listing()
    official = as_user(role="official", org=region["district"])
    assert _flat_sizes(official, flat.id) == [2, 3]


def test_each_further_person_extends_the_table(region, as_user, make_limits, make_listing):
    make_limits(region["district"], region["mitte"],
                table={1: ("500", "50"), 2: ("700", "65")}, further=("150", "15"))
    flat = make_listing(max_occupants=6, rent_cold=Decimal("850.00"), area_m2=Decimal("90"))
    official = as_user(role="official", org=region["district"])
    # 3: 850 € / 80 m² (too small a limit), 4: 1000 € / 95 m², 5 and 6 larger still.
    assert _flat_sizes(official, flat.id) == [4, 5, 6]


def test_a_flat_far_from_every_municipality_fits_no_size(region, as_user, make_limits,
                                                          make_listing):
    make_limits(region["district"], region["mitte"])
    flat = make_listing(lat=50.0, lon=8.0)
    assert _flat_sizes(as_user(role="official", org=region["district"]), flat.id) == []


GERMAN_CSV = (
    "Gemeinde;Haushaltsgröße;Gültig ab;Bruttokaltmiete;Wohnfläche\n"
    "Stadt Müllheim;1;01.01.2026;512,50;50\n"
    "12345002;2;01.01.2026;650,00;65\n"
    "Stadt Müllheim;jede weitere Person;01.01.2026;120,00;15\n"
)


def test_import_reads_german_headers_in_windows_1252(region, as_user):
    admin = as_user(role="admin", org=region["district"])
    answer = admin.post("/api/v1/rent-limits/imports", data={
        "district_id": str(region["district"].id),
        "file": (io.BytesIO(GERMAN_CSV.encode("cp1252")), "grenzen.csv")})
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["written"], report["encoding"]) == (2, "windows-1252")
    rows = db.session.scalars(select(RentLimit).order_by(RentLimit.household_size)).all()
    assert [(r.household_size, r.max_gross_rent) for r in rows] == [
        (1, Decimal("512.50")), (2, Decimal("650.00"))]
    assert (rows[1].further_person_rent, rows[1].further_person_area_m2) == (
        Decimal("120.00"), Decimal("15.00"))
    # Importing the table again replaces it: still two rows.
    admin.post("/api/v1/rent-limits/imports", data={
        "district_id": str(region["district"].id),
        "file": (io.BytesIO(GERMAN_CSV.encode("utf-8-sig")), "grenzen.csv")})
    assert db.session.scalar(select(func.count()).select_from(RentLimit)) == 2


def test_import_takes_english_headers(region, as_user):
    admin = as_user(role="admin", org=region["district"])
    data = ("municipality,household_size,valid_from,gross_cold_rent,area_m2\n"
            "Gemeinde Mitte,1,2026-01-01,480.00,45\n")
    answer = admin.post("/api/v1/rent-limits/imports", data={
        "district_id": str(region["district"].id),
        "file": (io.BytesIO(data.encode()), "limits.csv")})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["written"] == 1


def test_a_bad_row_names_line_and_field_and_nothing_is_written(region, as_user):
    admin = as_user(role="admin", org=region["district"])
    data = GERMAN_CSV + "Nirgendwo;3;01.01.2026;abc;80\nStadt Müllheim;99;31.02.2026;1,00;1\n"
    answer = admin.post("/api/v1/rent-limits/imports", data={
        "district_id": str(region["district"].id),
        "file": (io.BytesIO(data.encode()), "grenzen.csv")})
    assert answer.status_code == 422
    errors = {(e["row"], e["field"]) for e in answer.get_json()["errors"]}
    assert errors == {(5, "municipality"), (5, "max_gross_rent"), (6, "household_size"),
                      (6, "valid_from")}
    assert db.session.scalar(select(func.count()).select_from(RentLimit)) == 0


def test_the_page_lists_adds_and_imports(region, as_user, make_limits):
    admin = as_user(role="admin", org=region["district"])
    make_limits(region["district"], region["mitte"])
    page = admin.get(f"/placement/rent-limits?district_id={region['district'].id}")
    assert page.status_code == 200
    assert "Gemeinde Mitte" in page.get_data(as_text=True)
    added = admin.post(f"/placement/rent-limits/{region['district'].id}", data={
        "municipality_id": str(region["potsdam"].id), "household_size": "1",
        "valid_from": iso(0), "max_gross_rent": "499,00", "max_area_m2": "45",
        "csrf_token": admin.csrf_token})
    assert added.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RentLimit)) == 5
    other = as_user(role="admin", org=region["other"])
    assert other.get(
        f"/placement/rent-limits?district_id={region['district'].id}").status_code == 404
