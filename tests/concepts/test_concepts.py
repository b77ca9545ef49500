"""Concepts: writing, editing, search, topics, comments, attachments, sanitising."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from exchange.concepts.markdown import render_markdown
from exchange.extensions import db
from exchange.notifications.models import Notification
from tests.documents.samples import PDF_BYTES

pytestmark = pytest.mark.usefixtures("documents_dir")


@pytest.fixture
def town(make_org):
    return make_org("municipality", name="Bramsche")


@pytest.fixture
def official(as_user, town):
    return as_user("official", org=town)


def write(client, **fields):
    body = {"title": "Wohnraum für Geflüchtete", "summary": "Wie wir Wohnungen fanden",
            "body": "Wir haben **leerstehende Häuser** angemietet.", "topics": ["housing"]}
    body.update(fields)
    return client.post("/api/v1/concepts", json=body)


def test_official_writes_and_reads_a_concept(official):
    answer = write(official)
    assert answer.status_code == 201, answer.get_json()
    concept = answer.get_json()
    assert concept["author"]["id"] == official.user.id
    assert concept["organization_name"] == "Bramsche"
    assert "<strong>leerstehende Häuser</strong>" in concept["body_html"]
    got = official.get(f"/api/v1/concepts/{concept['id']}").get_json()
    assert got["title"] == "Wohnraum für Geflüchtete"


def test_validation_answers_422_per_field(official):
    answer = official.post("/api/v1/concepts", json={"title": "", "topics": ["x" * 61],
                                                     "document_ids": [0]})
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]["json"]
    assert {"title", "topics", "document_ids"} <= set(errors)
    missing = official.post("/api/v1/concepts", json={})
    assert "title" in missing.get_json()["errors"]["json"]
    unknown = write(official, document_ids=[999999])
    assert unknown.status_code == 422
    assert "document_ids" in unknown.get_json()["errors"]["json"]


def test_search_finds_german_word_forms_best_first(official):
    write(official, title="Unterkünfte in Turnhallen vermeiden", summary="", body="",
          topics=["housing"])
    write(official, title="Sprachkurse", summary="", body="Eine Unterkunft je Familie",
          topics=["integration"])
    write(official, title="Schulen", summary="", body="Nichts dazu", topics=["schools"])
    hits = official.get("/api/v1/concepts?q=Unterkunft").get_json()["items"]
    assert [h["title"] for h in hits] == ["Unterkünfte in Turnhallen vermeiden", "Sprachkurse"]
    topic = official.get("/api/v1/concepts?topic=integration").get_json()["items"]
    assert [h["title"] for h in topic] == ["Sprachkurse"]
    both = official.get("/api/v1/concepts?topic=housing&q=Unterkunft").get_json()["items"]
    assert [h["title"] for h in both] == ["Unterkünfte in Turnhallen vermeiden"]


def test_search_finds_parts_of_compounds_after_whole_words(official, as_user, make_org):
    whole = write(official, title="Kaution übernehmen", summary="", body="").get_json()
    part = write(official, title="Wohnungssuche", summary="Wer zahlt die Mietkaution?",
                 body="").get_json()
    plural = write(official, title="Bürgschaften der Stadt", summary="", body="").get_json()
    write(official, title="Kautschuk und Auktionen", summary="", body="")
    hits = official.get("/api/v1/concepts?q=Kaution").get_json()["items"]
    assert [h["id"] for h in hits] == [whole["id"], part["id"]]
    assert hits[0]["rank"] > 0
    bail = official.get("/api/v1/concepts?q=Bürgschaft").get_json()["items"]
    assert [h["id"] for h in bail] == [plural["id"]]
    # Every word must be there (as a part at least); a negated one is not looked for.
    assert [h["id"] for h in official.get("/api/v1/concepts?q=Kaution Stadt").get_json()[
        "items"]] == []
    assert [h["id"] for h in official.get("/api/v1/concepts?q=Kaution -Mietkaution").get_json()[
        "items"]] == [whole["id"]]
    # Pages run from the whole words into the parts.
    more = write(official, title="Mietkautionskonto", summary="", body="").get_json()
    kaution = write(official, title="Kaution", summary="", body="").get_json()
    first = official.get("/api/v1/concepts?q=Kaution&limit=3").get_json()
    second = official.get(f"/api/v1/concepts?q=Kaution&limit=3&cursor={first['next_cursor']}"
                          ).get_json()
    assert [h["id"] for h in first["items"]] == [kaution["id"], whole["id"], part["id"]]
    assert [h["id"] for h in second["items"]] == [more["id"]] and not second["next_cursor"]
    assert [h["rank"] for h in first["items"][2:] + second["items"]] == [0, 0]
    # Another organisation's staff find public concepts alike; landlords nothing.
    other = as_user("official", org=make_org("municipality"))
    assert [h["id"] for h in other.get("/api/v1/concepts?q=Kaution").get_json()["items"]] == [
        kaution["id"], whole["id"], part["id"], more["id"]]
    assert as_user("landlord").get("/api/v1/concepts?q=Kaution").status_code == 404


def test_pagination_with_and_without_query(official):
    for i in range(5):
        write(official, title=f"Konzept Wohnung {i}")
    seen = []
    cursor = None
    while True:
        url = "/api/v1/concepts?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = official.get(url).get_json()
        seen += [h["title"] for h in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Konzept Wohnung {i}" for i in reversed(range(5))]
    first = official.get("/api/v1/concepts?q=Wohnungen&limit=3").get_json()
    second = official.get(f"/api/v1/concepts?q=Wohnungen&limit=3&cursor={first['next_cursor']}"
                          ).get_json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert official.get("/api/v1/concepts?cursor=bad").status_code == 422


def test_landlords_do_not_see_concepts(official, as_user):
    concept = write(official).get_json()
    landlord = as_user("landlord")
    assert landlord.get(f"/api/v1/concepts/{concept['id']}").status_code == 404
    assert landlord.get("/api/v1/concepts").status_code == 404
    assert write(landlord).status_code == 404
    assert landlord.post(f"/api/v1/concepts/{concept['id']}/comments",
                         json={"body": "hi"}).status_code == 404


def test_only_author_or_org_admin_edits(official, as_user, town, make_org):
    concept = write(official).get_json()
    changed = official.patch(f"/api/v1/concepts/{concept['id']}", json={"title": "Neu"})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Neu"
    colleague = as_user("official", org=town)
    assert colleague.patch(f"/api/v1/concepts/{concept['id']}",
                           json={"title": "X"}).status_code == 403
    admin = as_user("admin", org=town)
    assert admin.patch(f"/api/v1/concepts/{concept['id']}",
                       json={"summary": "Vom Admin"}).status_code == 200
    other_admin = as_user("admin", org=make_org("municipality"))
    assert other_admin.patch(f"/api/v1/concepts/{concept['id']}",
                             json={"title": "X"}).status_code == 403


def test_comments(official, as_user, make_org):
    concept = write(official).get_json()
    reader = as_user("official", org=make_org("municipality", name="Melle"))
    answer = reader.post(f"/api/v1/concepts/{concept['id']}/comments",
                         json={"body": "Danke, sehr hilfreich"})
    assert answer.status_code == 201
    assert reader.post(f"/api/v1/concepts/{concept['id']}/comments",
                       json={"body": ""}).status_code == 422
    items = official.get(f"/api/v1/concepts/{concept['id']}/comments").get_json()["items"]
    assert [c["body"] for c in items] == ["Danke, sehr hilfreich"]
    assert items[0]["author"]["id"] == reader.user.id


def test_attachments_readable_by_staff_not_by_landlords(official, as_user, make_org):
    upload = official.post("/api/v1/documents", data={
        "file": (io.BytesIO(PDF_BYTES), "plan.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    document_id = upload.get_json()["id"]
    reader = as_user("official", org=make_org("municipality"))
    assert reader.get(f"/api/v1/documents/{document_id}/content").status_code == 404
    concept = write(official, document_ids=[document_id]).get_json()
    assert [d["id"] for d in concept["documents"]] == [document_id]
    assert reader.get(f"/api/v1/documents/{document_id}/content").status_code == 200
    landlord = as_user("landlord")
    assert landlord.get(f"/api/v1/documents/{document_id}/content").status_code == 404
    # Another user cannot attach a document they may not read... but may attach this one.
    assert write(landlord, document_ids=[document_id]).status_code == 404


def test_markdown_is_sanitised():
    html = render_markdown(
        "Hallo <script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        "[klick](javascript:alert(3)) [gut](https://example.org)\n\n"
        "<iframe src='https://evil.example'></iframe><style>p{}</style>"
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html and "<style" not in html
    assert '<a href="https://example.org" rel="noopener nofollow">gut</a>' in html


def test_preview_returns_sanitised_html(official):
    answer = official.post("/api/v1/concepts/preview",
                           json={"body": "# Titel\n<script>x()</script>"})
    assert answer.status_code == 200
    assert answer.get_json()["html"].startswith("<h1>Titel</h1>")
    assert "script" not in answer.get_json()["html"]


def test_topics_follow_and_notification(official, as_user, make_org):
    follower = as_user("official", org=make_org("municipality"))
    assert follower.post("/api/v1/topics/schools/follow").status_code == 204
    assert follower.post("/api/v1/topics/schools/follow").status_code == 204
    topics = {t["topic"]: t for t in follower.get("/api/v1/topics").get_json()["items"]}
    assert {"integration", "housing", "schools", "health", "climate",
            "urban development"} <= set(topics)
    assert topics["schools"]["followers"] == 1 and topics["schools"]["following"]
    concept = write(official, topics=["Schools", "Ganztag"]).get_json()
    assert concept["topics"] == ["schools", "ganztag"]
    notes = list(db.session.scalars(
        select(Notification).where(Notification.user_id == follower.user.id)))
    assert [(n.kind, n.payload["concept_id"]) for n in notes] == [("concept", concept["id"])]
    topics = {t["topic"]: t for t in follower.get("/api/v1/topics").get_json()["items"]}
    assert topics["ganztag"]["concepts"] == 1
    assert follower.delete("/api/v1/topics/schools/follow").status_code == 204
    write(official, topics=["schools"])
    assert db.session.scalar(select(db.func.count()).select_from(Notification).where(
        Notification.user_id == follower.user.id)) == 1


def test_new_concept_notification_is_pushed_live(official, as_user, make_org, socket_client):
    follower = as_user("official", org=make_org("municipality"))
    follower.post("/api/v1/topics/health/follow")
    socket = socket_client(follower)
    socket.get_received()
    write(official, topics=["health"])
    events = [e for e in socket.get_received() if e["name"] == "notification"]
    assert events and events[0]["args"][0]["kind"] == "concept"


def test_pages_write_show_edit_and_list(official, as_user, make_org):
    page = official.get("/concepts/new")
    assert page.status_code == 200
    html = official.get("/concepts").get_data(as_text=True)
    assert re.search(r'data-testid="nav-concepts"[^>]*>.*?Konzepte</a>', html)  # German by default
    assert "Stadtentwicklung" in html  # the seed topics' chips
    answer = official.post("/concepts/new", data={
        "title": "Patenschaften", "summary": "Ehrenamt verbinden", "topics": "integration, Sport",
        "body": "Text mit <script>alert(1)</script> und [Link](https://example.org)",
        "document_ids": ""})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    html = official.get(location).get_data(as_text=True)
    assert "Patenschaften" in html and "<script>alert" not in html
    assert 'rel="noopener nofollow"' in html
    assert official.get(location + "/edit").status_code == 200
    assert official.post(location + "/edit", data={"title": "Patenschaften 2", "topics": "",
                                                   "summary": "", "body": ""}
                         ).status_code == 302
    listing = official.get("/concepts?q=Patenschaft").get_data(as_text=True)
    assert "Patenschaften 2" in listing
    reader = as_user("official", org=make_org("municipality"))
    assert reader.get(location + "/edit").status_code == 403
    assert reader.post(location + "/comments", data={"body": "Gut"}).status_code == 302
    assert "Gut" in official.get(location).get_data(as_text=True)
    landlord = as_user("landlord")
    assert landlord.get("/concepts").status_code == 404
    assert landlord.get(location).status_code == 404
    assert 'data-testid="nav-concepts"' not in landlord.get("/profile").get_data(as_text=True)
