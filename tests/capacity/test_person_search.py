"""Person search the way caseworkers search (issue 14): typos, missing diacritics and
transliterations find the person, best match first; only within one's district; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.capacity.models import PersonAudit
from exchange.extensions import db

NAMES = [
    ("Haddad", "Omar"),
    ("Hadad", "Karim"),
    ("Demir", "Rüya"),
    ("Al-Hassan", "Mohammed"),
    ("Müller", "Jörg"),
    ("Hamdan", "Lina"),
]


@pytest.fixture
def registry(make_person, district):
    return {family: make_person(district, family_name=family, given_names=given)
            for family, given in NAMES}


@pytest.fixture
def caseworker(as_user, district):
    return as_user(role="caseworker", org=district)


def search(client, q, **query):
    response = client.get("/api/v1/persons", query_string={"q": q, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(answer) -> list[str]:
    return [f"{p['family_name']} {p['given_names']}" for p in answer["items"]]


@pytest.mark.parametrize(("q", "found"), [
    # A typo: the name as typed first, the similar one next, an unlike one not at all.
    ("Hadad", ["Hadad Karim", "Haddad Omar"]),
    ("Hamdam", ["Hamdan Lina"]),
    # Without diacritics, or spelt out.
    ("Ruya", ["Demir Rüya"]),
    ("Joerg Mueller", ["Müller Jörg"]),
    ("mueller", ["Müller Jörg"]),
    # Another transliteration, name order either way.
    ("Muhammad Alhasan", ["Al-Hassan Mohammed"]),
    ("Alhasan Muhammad", ["Al-Hassan Mohammed"]),
])
def test_misspelt_unaccented_and_transliterated_names_are_found_best_first(
        caseworker, registry, q, found):
    assert names(search(caseworker, q)) == found


def test_names_as_typed_come_before_similar_ones_and_pages_follow_the_ranking(
        caseworker, registry):
    assert names(search(caseworker, "Hada")) == ["Hadad Karim", "Haddad Omar"]
    first = search(caseworker, "Hadad", limit=1)
    assert names(first) == ["Hadad Karim"] and first["next_cursor"]
    second = search(caseworker, "Hadad", limit=1, cursor=first["next_cursor"])
    assert names(second) == ["Haddad Omar"] and second["next_cursor"] is None
    # Up to three letters: names containing them, in registry order (no ranking).
    assert names(search(caseworker, "ha")) == [
        "Haddad Omar", "Hadad Karim", "Al-Hassan Mohammed", "Hamdan Lina"]
    bad = caseworker.get("/api/v1/persons", query_string={"q": "Hadad", "cursor": "x"})
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]["query"]


def test_another_district_finds_none_of_them_and_each_hit_is_audited(
        caseworker, registry, as_user, make_org, make_person):
    other = make_org("district")
    own = make_person(other, family_name="Haddad", given_names="Samir")
    intruder = as_user(role="caseworker", org=other)
    assert [p["id"] for p in search(intruder, "Hadad")["items"]] == [own.id]
    assert search(intruder, "Hadad", organization_id=registry["Haddad"].organization_id)[
        "items"] == []
    found = search(caseworker, "Hadad")["items"]
    audited = db.session.scalars(
        select(PersonAudit.person_id).where(PersonAudit.user_id == caseworker.user.id,
                                            PersonAudit.action == "search")
    ).all()
    assert sorted(audited) == sorted(p["id"] for p in found)
