"""The chat page in the browser, with two officials in two browser contexts: a new room,
messages both ways live, the typing indicator, an @mention, an image attachment, unread
badges; and a listing shared from the map that the other official requests from its card.

The live server's database is shared by the whole session: rooms get unique names.
"""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.test_listings_map import (
    OFFICIAL_LINGEN,
    OFFICIAL_OSNABRUECK,
    SCREENSHOTS,
    create_listing,
    sign_in,
)

OLGA = "Olga Offiziell"  # fluechtlinge@lk-osnabrueck.example
LENA = "Lena Lingen"  # wohnungsamt@lingen.example
VIEWPORT = {"width": 1400, "height": 900}


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def room_item(page: Page, room_id: int):
    return page.get_by_test_id("room-list").locator(f'[data-room-id="{room_id}"]')


def message(page: Page, text: str):
    return page.get_by_test_id("message").filter(has_text=text)


def png_bytes() -> bytes:
    image = Image.new("RGB", (320, 200), (31, 78, 121))
    for x in range(120, 200):
        for y in range(60, 140):
            image.putpixel((x, y), (224, 123, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def me(page: Page) -> dict:
    answer = page.request.get("/api/v1/me")
    assert answer.status == 200, answer.text()
    return answer.json()


def open_room_id(page: Page) -> int:
    return int(re.search(r"/chat/(\d+)$", page.url).group(1))


def olga_and_lena(new_page) -> tuple[Page, str, Page, int]:
    """Olga and Lena signed in side by side: Olga's page and CSRF token, Lena's page and id."""
    olga = new_page(viewport=VIEWPORT)
    olga_csrf = sign_in(olga, OFFICIAL_OSNABRUECK)
    lena = new_page(viewport=VIEWPORT)
    sign_in(lena, OFFICIAL_LINGEN)
    return olga, olga_csrf, lena, me(lena)["id"]


def create_room(page: Page, csrf: str, name: str, member_id: int) -> int:
    """A private group room of the page's user with one other member, made through the API."""
    created = page.request.post(
        "/api/v1/rooms", headers={"X-CSRFToken": csrf},
        data={"kind": "group", "name": name, "member_ids": [member_id]},
    )
    assert created.status == 201, created.text()
    return created.json()["id"]


def post_message(page: Page, csrf: str, room_id: int, body: str) -> None:
    """A message sent through the API (not the page's composer)."""
    posted = page.request.post(
        f"/api/v1/rooms/{room_id}/messages", headers={"X-CSRFToken": csrf}, data={"body": body},
    )
    assert posted.status == 201, posted.text()


def test_two_officials_chat_live(new_page):
    olga, olga_csrf, lena, lena_id = olga_and_lena(new_page)
    lena.goto("/chat")
    expect(lena.get_by_test_id("livestate")).to_have_attribute("data-live", "true")

    # Olga opens a private room with Lena through the dialog.
    name = unique("Unterbringung Emsland")
    olga.goto("/chat")
    expect(olga.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    olga.get_by_test_id("new-room").click()
    dialog = olga.get_by_test_id("room-dialog")
    expect(dialog).to_be_visible()
    olga.get_by_test_id("room-name").fill(name)
    olga.get_by_test_id("people-search").fill("Lena")
    olga.get_by_test_id("person-option").filter(has_text=LENA).click()
    expect(olga.get_by_test_id("chosen-person")).to_have_text(re.compile(LENA))
    olga.screenshot(path=f"{SCREENSHOTS}/chat-new-room.png")
    olga.get_by_test_id("room-create").click()
    expect(dialog).to_be_hidden()
    expect(olga.get_by_test_id("room-title")).to_have_text(name)
    expect(olga).to_have_url(re.compile(r"/chat/\d+$"))
    room_id = open_room_id(olga)

    # The room appears in Lena's open list by itself; she opens it.
    expect(room_item(lena, room_id)).to_be_visible()
    room_item(lena, room_id).click()
    expect(lena.get_by_test_id("room-title")).to_have_text(name)
    expect(lena).to_have_url(re.compile(rf"/chat/{room_id}$"))
    expect(lena.get_by_test_id("room-sub")).to_contain_text("2 Mitglieder")

    # Olga types: Lena sees that she does, then the message.
    composer = olga.get_by_test_id("composer-input")
    composer.press_sequentially("Guten Morgen, wir haben in Bramsche noch Platz", delay=15)
    expect(lena.get_by_test_id("typing")).to_have_text(f"{OLGA} schreibt …")
    lena.screenshot(path=f"{SCREENSHOTS}/chat-typing.png")
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(message(lena, "wir haben in Bramsche noch Platz")).to_be_visible()
    expect(lena.get_by_test_id("typing")).to_have_text("")
    expect(message(olga, "wir haben in Bramsche noch Platz")).to_have_count(1)

    # Lena answers, naming Olga with the @ menu; Olga sees it live, marked as meant for her.
    reply = lena.get_by_test_id("composer-input")
    reply.press_sequentially("Danke @Ol", delay=15)
    option = lena.get_by_test_id("mention-option").filter(has_text=OLGA)
    expect(option).to_be_visible()
    reply.press("Enter")
    expect(reply).to_have_value(f"Danke @{OLGA} ")
    reply.press_sequentially("für zwei Familien bitte.", delay=5)
    lena.get_by_test_id("composer-send").click()
    answer = message(olga, "für zwei Familien bitte.")
    expect(answer).to_be_visible()
    expect(answer).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(answer.locator(".mention.me")).to_have_text(f"@{OLGA}")
    notes = olga.request.get("/api/v1/notifications").json()["items"]
    assert any(n["kind"] == "chat_mention" and n["payload"]["room_id"] == room_id for n in notes)

    # Read receipts: Olga's message is read by Lena, who has the room open.
    expect(olga.get_by_test_id("receipt")).to_have_text(re.compile("Gelesen"))

    # An image through the file button: uploaded, sent, and a thumbnail for Lena.
    olga.get_by_test_id("composer-file").set_input_files(
        files=[{"name": "grundriss.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    expect(olga.get_by_test_id("pending-file")).to_have_attribute("data-status", "done")
    olga.get_by_test_id("composer-input").fill("Der Grundriss")
    olga.get_by_test_id("composer-send").click()
    thumb = message(lena, "Der Grundriss").get_by_test_id("attachment-thumb")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_attribute("alt", "grundriss.png")
    lena.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=thumb.element_handle())
    lena.screenshot(path=f"{SCREENSHOTS}/chat-lena.png")
    olga.screenshot(path=f"{SCREENSHOTS}/chat-olga.png")

    # A second room that Lena does not have open: its unread badge, and the total in the
    # navigation; opening the room reads it.
    other_name = unique("Kaltmieten Landkreis")
    other_id = create_room(olga, olga_csrf, other_name, lena_id)
    expect(room_item(lena, other_id)).to_be_visible()
    for text in ("Wer hat aktuelle Zahlen?", "Bitte bis Freitag."):
        post_message(olga, olga_csrf, other_id, text)
    badge = room_item(lena, other_id).get_by_test_id("room-unread")
    expect(badge).to_have_text("2")
    expect(lena.get_by_test_id("nav-unread")).to_have_text("2")
    expect(room_item(lena, room_id).get_by_test_id("room-unread")).to_have_count(0)
    lena.screenshot(path=f"{SCREENSHOTS}/chat-unread.png")
    room_item(lena, other_id).click()
    expect(message(lena, "Bitte bis Freitag.")).to_be_visible()
    expect(badge).to_have_count(0)
    expect(lena.get_by_test_id("nav-unread")).to_be_hidden()
    # The server agrees: nothing unread after a reload.
    lena.reload()
    expect(lena.get_by_test_id("room-title")).to_have_text(other_name)
    expect(lena.get_by_test_id("nav-unread")).to_be_hidden()

    # Lena's connection drops; what is said meanwhile is there once she is back, once each.
    expect(lena.get_by_test_id("livestate")).to_have_attribute("data-live", "true")
    lena.evaluate("Exchange.chatSocket.disconnect()")
    expect(lena.get_by_test_id("livestate")).to_have_attribute("data-live", "false")
    missed = ["Während der Funkstille: Turnhalle frei.", "Und: zwei Wohnungen in Lingen."]
    for text in missed:
        post_message(olga, olga_csrf, other_id, text)
    # Back: the page asks for what came after its newest message (`after=`) and shows each
    # missed message once, whether or not another path showed one meanwhile.
    with lena.expect_request(lambda request: "/messages?after=" in request.url):
        lena.evaluate("Exchange.chatSocket.connect()")
    for text in missed:
        expect(message(lena, text)).to_have_count(1)
    expect(lena.get_by_test_id("nav-unread")).to_be_hidden()


def test_a_shared_listing_is_requested_from_its_card(new_page):
    olga, olga_csrf, lena, lena_id = olga_and_lena(new_page)

    title = unique("Notunterkunft Sporthalle Bramsche")
    listing = create_listing(
        olga.request, olga_csrf, kind="beds", title=title,
        address={"street": "Malgartener Straße 2", "postal_code": "49565", "city": "Bramsche"},
        location={"lat": 52.4080, "lon": 7.9790}, free_beds=100,
        beds_by_policy={"mixed": 100},
    )
    room_name = unique("Betten Nord")
    room_id = create_room(olga, olga_csrf, room_name, lena_id)

    # Olga shares the listing from its detail on the map into the room.
    olga.goto(f"/listings/{listing['id']}")
    expect(olga.get_by_test_id("detail-title")).to_have_text(title)
    olga.get_by_test_id("detail-share").click()
    olga.get_by_test_id("share-room").select_option(str(room_id))
    olga.get_by_test_id("share-comment").fill(
        "Wir haben noch 100 Betten über — kann die jemand gebrauchen?")
    olga.screenshot(path=f"{SCREENSHOTS}/chat-share-from-map.png")
    olga.get_by_test_id("share-send").click()
    expect(olga.get_by_test_id("share-done")).to_contain_text(room_name)

    # Lena sees it as a card and requests it.
    lena.goto(f"/chat/{room_id}")
    shared = message(lena, "kann die jemand gebrauchen?")
    card = shared.get_by_test_id("listing-card")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("listing-card-title")).to_have_text(title)
    expect(card).to_contain_text("100 freie Betten")
    expect(card).to_contain_text("49565 Bramsche")
    expect(card.get_by_test_id("listing-card-status")).to_have_text("Veröffentlicht")
    lena.screenshot(path=f"{SCREENSHOTS}/chat-card.png")

    olga.goto(f"/chat/{room_id}")
    olga_card = message(olga, "kann die jemand gebrauchen?").get_by_test_id("listing-card")
    expect(olga_card).to_be_visible()
    # The poster's own listing has no request button.
    expect(olga_card.get_by_test_id("listing-request")).to_have_count(0)

    lena.once("dialog", lambda dialog: dialog.accept())
    card.get_by_test_id("listing-request").click()

    # The direct room with Olga opens, with the listing as its first message.
    expect(lena.get_by_test_id("room-title")).to_have_text(OLGA)
    expect(lena).not_to_have_url(re.compile(rf"/chat/{room_id}$"))
    thread_card = lena.get_by_test_id("message").last.get_by_test_id("listing-card")
    expect(thread_card.get_by_test_id("listing-card-title")).to_have_text(title)
    expect(thread_card.get_by_test_id("listing-card-status")).to_have_text("Reserviert")
    stored = lena.request.get(f"/api/v1/listings/{listing['id']}").json()
    assert stored["status"] == "reserved"
    lena.screenshot(path=f"{SCREENSHOTS}/chat-requested.png")

    # Olga is told, and the card in her open room shows the listing reserved, live.
    expect(olga.get_by_test_id("toast").filter(has_text="angefragt")).to_be_visible()
    expect(olga_card.get_by_test_id("listing-card-status")).to_have_text("Reserviert")
    olga.screenshot(path=f"{SCREENSHOTS}/chat-poster-told.png")
