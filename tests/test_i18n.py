"""Every UI text in German and English; dates and numbers in the reader's locale; service
error messages in the language the request asks for (issue 6, point 9)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import refresh
from sqlalchemy import func, select, update

from exchange.capacity import registry_import, transfers
from exchange.capacity.models import Activity, BedTransfer, CapacitySnapshot
from exchange.chat.models import Message
from exchange.concepts.models import Concept
from exchange.errors import Conflict, InvalidInput, Text, localise
from exchange.extensions import db
from exchange.i18n import service_messages
from exchange.listings.models import Listing
from exchange.notifications.models import Notification
from tests.capacity.conftest import make_person as make_person  # noqa: F401  (fixture)
from tests.capacity.conftest import make_shelter as make_shelter  # noqa: F401  (fixture)
from tests.capacity.test_import import HEADER, csv_bytes, post_import
from tests.dates import day

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "exchange/translations/de/LC_MESSAGES/messages.po"
UNTIL = day(1400)
# How the pages write it: Babel's medium date in each language.
UNTIL_DE = format_date(UNTIL, "medium", locale="de")
UNTIL_EN = format_date(UNTIL, "medium", locale="en")


# --- the catalogue ----------------------------------------------------------------------


def _extracted() -> dict[str, str]:
    """msgid → where it is used, extracted as scripts/i18n.sh does (babel.cfg)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_text_of_the_code_has_a_german_translation():
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po)
    extracted = _extracted()
    assert len(extracted) > 500  # the extraction ran over templates and Python both
    missing = []
    for msgid, where in sorted(extracted.items()):
        message = catalogue.get(msgid)
        if message is None:  # a plural's second form is extracted under its singular
            message = next((m for m in catalogue if isinstance(m.id, tuple)
                            and msgid in m.id), None)
        strings = message.string if message is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(strings):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated or fuzzy:\n" + "\n".join(missing)


def test_the_extraction_takes_the_messages_of_service_errors():
    source = '''
def f(n, message="Default text."):
    raise Conflict("A conflict.")
    raise InvalidInput({"beds": "Must be at least 1.", "until": ["A date."]},
                       message="Check the fields.")
    raise InvalidInput({"beds": Text("Between 0 and %(max)d.", max=n)})
    raise NotFound(f"Not {n}.")
    report.add_error(1, "file", "Not UTF-8 text.")
    add_error("gender", "Use f, m or x.")
'''
    assert sorted(m for _line, m in service_messages(source)) == [
        "A conflict.", "A date.", "Between 0 and %(max)d.", "Check the fields.",
        "Default text.", "Must be at least 1.", "Not UTF-8 text.", "Use f, m or x.",
    ]


# --- service errors -----------------------------------------------------------------------


def test_service_errors_are_english_outside_a_request_and_localised_inside(app):
    error = InvalidInput({"beds": Text("Between 0 and %(max)d.", max=500)})
    assert error.message == "Invalid input." and str(error) == "Invalid input."
    assert error.errors == {"json": {"beds": ["Between 0 and 500."]}}
    with app.test_request_context(headers={"Accept-Language": "de"}):
        refresh()  # the test's app context is shared: forget the locale of the last request
        assert error.message == "Ungültige Eingabe."
        assert error.errors == {"json": {"beds": ["Zwischen 0 und 500."]}}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert error.errors == {"json": {"beds": ["Between 0 and 500."]}}
    conflict = Conflict("You are a member already.")
    with app.test_request_context(headers={"Accept-Language": "de"}):
        refresh()
        assert conflict.message == "Sie sind bereits Mitglied."
        # a value someone typed is shown as typed, even when it reads like a msgid;
        # a Text value is translated, a float gets the German decimal comma
        assert localise(Text("The request is %(status)s.", status="Draft")) == (
            "Die Anfrage ist bereits Draft.")
        assert localise(Text("The request is %(status)s.", status=Text("declined"))) == (
            "Die Anfrage ist bereits abgelehnt.")
        assert localise(Text("The file is larger than the limit of %(size)s.",
                             size=Text("%(n)s KB", n=97.66))).endswith("von 97,66 KB.")


@pytest.fixture
def transfer_sides(make_org, make_user, make_shelter, bearer):  # noqa: F811
    """District B publishes 4 free beds; an official of A with an API token."""
    a, b = make_org("district"), make_org("district")
    shelter = make_shelter(b, rooms=[("mixed", 4)], publish=True)
    official_a = make_user(role="official", org=a)
    official_b = make_user(role="official", org=b)
    return {"listing_id": shelter.listing_id, "a": bearer(official_a), "b": bearer(official_b),
            "official_a": official_a, "official_b": official_b}


def _ask(client, headers, listing_id, beds, language, until=UNTIL):
    return client.post("/api/v1/transfers", headers={**headers, "Accept-Language": language},
                       json={"listing_id": listing_id, "beds": beds,
                             "until": until.isoformat(), "message": "Bitte"})


def test_409_and_422_messages_follow_accept_language(client, transfer_sides):
    listing_id, a, b = (transfer_sides[k] for k in ("listing_id", "a", "b"))

    too_many = {lang: _ask(client, a, listing_id, 9, lang) for lang in ("de", "en")}
    assert {r.status_code for r in too_many.values()} == {409}
    assert too_many["de"].get_json()["message"] == "So viele freie Betten sind nicht gemeldet."
    assert too_many["en"].get_json()["message"] == "Not as many free beds are published."

    past = {lang: _ask(client, a, listing_id, 1, lang, until=date(2000, 1, 1))
            for lang in ("de", "en")}
    assert {r.status_code for r in past.values()} == {422}
    assert past["de"].get_json()["errors"]["json"]["until"] == [
        "Darf nicht in der Vergangenheit liegen."]
    assert past["en"].get_json()["errors"]["json"]["until"] == ["Must not be in the past."]
    # the same JSON structure in both languages (API contract)
    assert set(past["de"].get_json()) == set(past["en"].get_json())
    assert set(past["de"].get_json()["errors"]) == {"json"}

    transfer = _ask(client, a, listing_id, 2, "de").get_json()
    decline = f"/api/v1/transfers/{transfer['id']}/decline"
    assert client.post(decline, headers=b, json={"reason": "voll"}).status_code == 200
    again = {lang: client.post(decline, headers={**b, "Accept-Language": lang}, json={})
             for lang in ("de", "en")}
    assert {r.status_code for r in again.values()} == {409}
    assert again["de"].get_json()["message"] == "Die Anfrage ist bereits abgelehnt."
    assert again["en"].get_json()["message"] == "The request is declined."


def test_schema_errors_and_http_errors_are_localised(client, transfer_sides):
    headers = transfer_sides["a"]
    de = client.post("/api/v1/transfers", headers={**headers, "Accept-Language": "de"}, json={})
    en = client.post("/api/v1/transfers", headers={**headers, "Accept-Language": "en"}, json={})
    assert de.status_code == en.status_code == 422
    assert de.get_json()["errors"]["json"]["listing_id"] == ["Dieses Feld ist erforderlich."]
    assert en.get_json()["errors"]["json"]["listing_id"] == ["Missing data for required field."]
    assert de.get_json()["message"].startswith("Die Anfrage ist formal korrekt")
    zero = {lang: _ask(client, headers, transfer_sides["listing_id"], 0, lang)
            for lang in ("de", "en")}
    assert zero["de"].get_json()["errors"]["json"]["beds"] == [
        "Muss mindestens 1 und höchstens 10000 sein."]
    assert zero["en"].get_json()["errors"]["json"]["beds"] == [
        "Must be greater than or equal to 1 and less than or equal to 10000."]
    missing = client.get("/api/v1/transfers/999999", headers={**headers, "Accept-Language": "de"})
    assert missing.status_code == 404 and missing.get_json()["message"] == "Nicht gefunden."


def test_the_ui_session_wins_over_the_browser_for_its_own_api_calls(
    as_user, make_user, transfer_sides
):
    # A signed-in page (cookie session, locale from the profile: de) gets German answers
    # from the API it calls, whatever the browser's Accept-Language says.
    ui = as_user(user=transfer_sides["official_a"])
    answer = ui.post("/api/v1/transfers", headers={"Accept-Language": "en"},
                     json={"listing_id": transfer_sides["listing_id"], "beds": 9,
                           "until": UNTIL.isoformat()})
    assert answer.status_code == 409
    assert answer.get_json()["message"] == "So viele freie Betten sind nicht gemeldet."


# --- pages: dates and numbers ------------------------------------------------------------


def _signed_in(as_user, make_user, role, org, locale):
    user = make_user(role=role, org=org)
    user.locale = locale
    db.session.flush()
    return as_user(user=user)


@pytest.fixture
def english(as_user, make_user):
    return lambda role, org: _signed_in(as_user, make_user, role, org, "en")


@pytest.fixture
def german(as_user, make_user):
    return lambda role, org: _signed_in(as_user, make_user, role, org, "de")


def test_transfers_page_shows_dates_and_numbers_localised(
    client, transfer_sides, make_org, german, english
):
    listing_id, a = transfer_sides["listing_id"], transfer_sides["a"]
    transfer = _ask(client, a, listing_id, 2, "de").get_json()
    db.session.execute(update(BedTransfer).where(BedTransfer.id == transfer["id"])
                       .values(beds=1234))
    org_a = transfer_sides["official_a"].memberships[0].organization
    de = german("official", org_a).get("/transfers").get_data(as_text=True)
    en = english("official", org_a).get("/transfers").get_data(as_text=True)
    assert UNTIL_DE in de and "<td>1.234</td>" in de and "Bettenanfragen" in de
    assert UNTIL_EN in en and "<td>1,234</td>" in en and "Transfer requests" in en
    assert UNTIL_EN.split(",")[0] not in de and UNTIL_DE not in en


def test_capacity_dashboard_groups_thousands(make_org, make_shelter, german, english):  # noqa: F811
    district = make_org("district")
    make_shelter(district, rooms=[("mixed", 500), ("mixed", 500), ("family", 234)])
    de = german("official", district).get(f"/capacity/{district.id}").get_data(as_text=True)
    en = english("official", district).get(f"/capacity/{district.id}").get_data(as_text=True)
    assert 'data-testid="kpi-free">1.234<' in de and "<b>1.234</b><span>Betten</span>" in de
    assert 'data-testid="kpi-free">1,234<' in en and "<b>1,234</b><span>Beds</span>" in en
    assert '<b data-field="total">1.234</b>' in de and '<b data-field="total">1,234</b>' in en


def test_concept_page_dates_and_sizes(make_org, german, english):
    town = make_org("municipality")
    writer = german("official", town)
    concept = writer.post("/api/v1/concepts", json={
        "title": "Wohnraum", "body": "Text", "topics": ["housing"]}).get_json()
    db.session.execute(update(Concept).where(Concept.id == concept["id"]).values(
        created_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        updated_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC)))
    de = writer.get(f"/concepts/{concept['id']}").get_data(as_text=True)
    en = english("official", town).get(f"/concepts/{concept['id']}").get_data(as_text=True)
    assert "28.11.2026" in de and "aktualisiert am 03.12.2026" in de
    assert "Nov 28, 2026" in en and "updated Dec 3, 2026" in en


def test_notifications_page_times_and_counts(make_org, make_user, german, english):
    org = make_org("district")
    client_de = german("official", org)
    client_en = english("official", org)
    for client in (client_de, client_en):
        db.session.add(Notification(
            user_id=client.user.id, kind="transfer_requested",
            payload={"organization_name": "Landkreis Nord", "beds": 1500, "title": "Halle"},
            created_at=datetime(2026, 11, 28, 13, 5, tzinfo=UTC)))
    db.session.flush()
    de = client_de.get("/notifications").get_data(as_text=True)
    en = client_en.get("/notifications").get_data(as_text=True)
    # 13:05 UTC is 14:05 in Berlin
    assert "28.11.26, 14:05" in de and "1.500" in de
    assert "11/28/26, 2:05" in en and "1,500" in en
    assert "Landkreis Nord" in de and "Landkreis Nord" in en


def test_start_page_activities_with_localised_dates_and_kinds(
    make_org, make_person, german, english  # noqa: F811
):
    district = make_org("district")
    due = date.today() + timedelta(days=3)
    db.session.add(Activity(person_id=make_person(district).id, kind="vaccination",
                            due_date=due))
    db.session.flush()
    de = german("caseworker", district).get("/").get_data(as_text=True)
    en = english("caseworker", district).get("/").get_data(as_text=True)
    assert f"{format_date(due, locale='de')}</time> · Impfung" in de
    assert f"{format_date(due, locale='en')}</time> · Vaccination" in en
    assert due.isoformat() + "<" not in de  # not the raw ISO date any more


def test_official_start_page_trend_labels_and_figures(make_org, make_shelter, german,  # noqa: F811
                                                      english):
    district = make_org("district")
    shelter = make_shelter(district, rooms=[("mixed", 500), ("mixed", 500), ("family", 234)])
    day = date.today() - timedelta(days=1)
    db.session.add(CapacitySnapshot(organization_id=district.id, shelter_id=shelter.id, day=day,
                                    total=1234, blocked=0, occupied=0, free=1234))
    db.session.flush()
    de = german("official", district).get("/").get_data(as_text=True)
    en = english("official", district).get("/").get_data(as_text=True)
    assert f'"{format_date(day, "short", locale="de")}"' in de
    assert f'"{format_date(day, "short", locale="en")}"' in en
    assert f'"{day.isoformat()}"' not in de
    assert "1 Unterkunft, 1.234 Plätze, 0 belegt" in de
    assert "1 shelter, 1,234 beds, 0 occupied" in en


def test_number_and_money_filters(app):
    template = "{{ 1234|number }} | {{ 450|money }} | {{ 1234.56|decimal(1) }} | {{ none|number }}"
    with app.test_request_context(headers={"Accept-Language": "de"}):
        refresh()
        assert render_template_string(template) == "1.234 | 450,00\xa0€ | 1.234,6 | "
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert render_template_string(template) == "1,234 | €450.00 | 1,234.6 | "


def test_transfer_form_flashes_the_field_message_in_the_ui_language(
    transfer_sides, german, english
):
    listing_id = transfer_sides["listing_id"]
    org_a = transfer_sides["official_a"].memberships[0].organization
    for client, expected in ((german("official", org_a), "Muss mindestens 1 sein."),
                             (english("official", org_a), "Must be at least 1.")):
        page = client.post("/transfers/new", follow_redirects=True, data={
            "csrf_token": client.csrf_token, "listing_id": listing_id, "beds": "0",
            "until": UNTIL.isoformat()})
        assert expected in page.get_data(as_text=True)


# --- texts with values: chat errors, a transfer's first chat message, the import report ----


def test_chat_errors_with_values_follow_the_ui_language(
    app, make_org, make_user, make_room, german, english  # noqa: F811
):
    org = make_org("district")
    for client, window, unknown in (
        (german("official", org), "Nachrichten können bis 15 Minuten nach dem Senden "
                                  "bearbeitet werden.", "Unbekannte Benutzer/innen: 999999."),
        (english("official", org), "Messages can be edited for 15 minutes after posting.",
         "Unknown user(s): 999999."),
    ):
        room = make_room(client.user)
        posted = client.post(f"/api/v1/rooms/{room.id}/messages", json={"body": "Hallo"})
        message_id = posted.get_json()["id"]
        db.session.execute(update(Message).where(Message.id == message_id).values(
            created_at=func.now() - timedelta(
                seconds=app.config["CHAT_EDIT_WINDOW_SECONDS"] + 1)))
        late = client.patch(f"/api/v1/messages/{message_id}", json={"body": "Zu spät"})
        assert late.status_code == 409 and late.get_json()["message"] == window
        stranger = client.post("/api/v1/rooms", json={
            "kind": "group", "name": "Runde", "member_ids": [999999]})
        assert stranger.status_code == 422
        assert stranger.get_json()["errors"]["json"]["member_ids"] == [unknown]


def _first_message(room_id: int) -> str:
    return db.session.scalars(select(Message.body).where(Message.room_id == room_id)
                              .order_by(Message.id).limit(1)).one()


def test_a_transfer_thread_opens_in_the_requesting_users_language(client, transfer_sides):
    listing_id, a = transfer_sides["listing_id"], transfer_sides["a"]
    title = db.session.get(Listing, listing_id).title
    bodies = {}
    for language in ("de", "en"):
        answer = client.post("/api/v1/transfers", headers={**a, "Accept-Language": language},
                             json={"listing_id": listing_id, "beds": 1,
                                   "until": UNTIL.isoformat()})
        assert answer.status_code == 201, answer.get_json()
        bodies[language] = _first_message(answer.get_json()["room_id"])
    assert bodies == {"de": f"1 × {title} → {UNTIL_DE}", "en": f"1 × {title} → {UNTIL_EN}"}
    # outside a request (CLI, scheduler): the requesting user's profile language
    official = transfer_sides["official_a"]
    official.locale = "en"
    refresh()
    transfer = transfers.request_transfer(official, listing_id, 1, UNTIL)
    assert _first_message(transfer.room_id) == f"1 × {title} → {UNTIL_EN}"


def test_the_import_report_follows_the_ui_language_and_the_cli_stays_english(
    app, make_org, german, english
):
    district = make_org("district")
    bad = csv_bytes(rows=["S-1;" + "x" * 201 + ";Lina;1994-13-02;q;SYR;ar 123;;;;",
                          "S-2;Haddad;Omar;;m;SYR;ar;;;;", "S-2;Haddad;Omar;;m;SYR;ar;;;;"])
    expected = {
        "de": {(2, "family_name"): "Länger als 200 Zeichen.",
               (2, "birth_date"): "Diesen Tag gibt es nicht.",
               (2, "gender"): "Verwenden Sie w oder f, m, d oder x.",
               (2, "languages"): "Keine Sprachcodes nach ISO 639-1: 123.",
               (4, "external_id"): "S-2 steht bereits in Zeile 3."},
        "en": {(2, "family_name"): "Longer than 200 characters.",
               (2, "birth_date"): "No such day.",
               (2, "gender"): "Use f or w, m, x or d.",
               (2, "languages"): "Not ISO 639-1 codes: 123.",
               (4, "external_id"): "S-2 appears in row 3 already."},
    }
    for language, make_client in (("de", german), ("en", english)):
        answer = post_import(make_client("caseworker", district), district.id, bad)
        assert answer.status_code == 422
        errors = answer.get_json()["errors"]
        assert {(e["row"], e["field"]): e["message"] for e in errors} == expected[language]
        headerless = post_import(make_client("caseworker", district), district.id,
                                 csv_bytes(rows=[], header=HEADER.replace(";gender", "")))
        assert headerless.get_json()["errors"][0]["message"] == {
            "de": "Fehlende Spalten: gender (Geschlecht).",
            "en": "Missing columns: gender (Geschlecht)."}[language]
    # the CLI prints the report as it is: English
    caseworker = german("caseworker", district).user
    report = registry_import.import_registry(caseworker, district.id, io.BytesIO(bad), dry_run=True)
    assert {(e["row"], e["field"]): e["message"] for e in report.errors} == expected["en"]
