// chat/: grouping, mentions and links, receipts, the @ menu, unread counting and the room
// list's order. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { useLanguage } from "../../exchange/static/js/common/format.js";
import { useStrings } from "../../exchange/static/js/common/i18n.js";
import {
  answerMessage, dayKey, fileIcon, formatDay, formatSize, initials, roomName, roomSubtitle, typingText,
} from "../../exchange/static/js/chat/format.js";
import {
  groupMessages, insertMention, mentionCandidates, mentionQuery, mentionRegex, mentionsMe, receiptFor,
  textParts,
} from "../../exchange/static/js/chat/message_logic.js";
import {
  applyOwnRead, countsAsUnread, matchesFilter, newRoomBody, recordLatest, sortRooms, titleWithUnread,
  unreadTotal,
} from "../../exchange/static/js/chat/room_logic.js";

useLanguage("de");
useStrings({
  direct_room: "Direktnachricht", unnamed_room: "Ohne Namen",
  today: "Heute", yesterday: "Gestern",
  size_kb: "{n} KB", size_mb: "{n} MB",
  sent: "Gesendet", read: "Gelesen", read_by_all: "Von allen gelesen", read_by: "Von {n} von {total} gelesen",
  typing_one: "{name} schreibt …", typing_two: "{first} und {second} schreiben …", typing_many: "{n} Personen schreiben …",
  online: "online", offline: "offline", online_n: "{n} online",
  members_one: "{n} Mitglied", members_other: "{n} Mitglieder",
  visibility_network: "im Netzwerk", visibility_private: "privat",
  error_generic: "Fehler", error_fields: "Bitte prüfen",
});

const anna = { id: 1, name: "Anna Berg" };
const ben = { id: 2, name: "Ben Kurz" };

function message(id, author, createdAt, extra) {
  return Object.assign({ id, author, created_at: createdAt, body: "text" }, extra || {});
}

test("an author's messages within five minutes form one group; a new day starts anew", () => {
  const groups = groupMessages([
    message(1, anna, "2026-01-15T09:00:00Z"),
    message(2, anna, "2026-01-15T09:04:00Z"),
    message(3, anna, "2026-01-15T09:10:00Z"), // six minutes after the last
    message(4, ben, "2026-01-15T09:11:00Z"),
    message(5, ben, "2026-01-15T22:58:00Z"),
    message(6, ben, "2026-01-15T22:59:00Z"),
    message(7, ben, "2026-01-15T23:01:00Z"), // 00:01 in Berlin: the next day
  ]);
  assert.deepEqual(groups.map((g) => [g.newDay, g.continued]), [
    [true, false], [false, true], [false, false], [false, false], [false, false], [false, true],
    [true, false],
  ]);
  assert.equal(groups[0].message.id, 1);
});

test("listing cards, deleted messages and former members stand alone", () => {
  const groups = groupMessages([
    message(1, anna, "2026-01-15T09:00:00Z"),
    message(2, anna, "2026-01-15T09:01:00Z", { listing_id: 7 }),
    message(3, anna, "2026-01-15T09:01:30Z"), // after a card: the group goes on
    message(4, anna, "2026-01-15T09:02:00Z", { deleted_at: "2026-01-15T09:03:00Z" }),
    message(5, anna, "2026-01-15T09:03:00Z"),
    message(6, null, "2026-01-15T09:03:30Z"),
    message(7, null, "2026-01-15T09:04:00Z"),
  ]);
  assert.deepEqual(groups.map((g) => g.continued), [false, false, true, false, false, false, false]);
});

test("the Berlin day decides, not UTC's", () => {
  assert.equal(dayKey("2026-07-01T22:30:00Z"), "2026-07-02");
  const now = Date.parse("2026-07-02T10:00:00Z");
  assert.equal(formatDay("2026-07-01T22:30:00Z", now), "Heute");
  assert.equal(formatDay("2026-07-01T21:30:00Z", now), "Gestern");
  assert.equal(formatDay("2026-06-29T10:00:00Z", now), "Montag, 29. Juni 2026");
});

test("mentions match whole names, the longest first, in any case", () => {
  const pattern = mentionRegex(["Anna", "Anna Berg", ""]);
  assert.deepEqual("hi @anna berg and @Annabel and @Anna.".match(pattern), ["@anna berg", "@Anna"]);
  assert.equal(mentionRegex([]).test("@anyone"), false);
  assert.equal(mentionRegex(["A.B"]).test("@AxB"), false);
});

test("a text is cut into plain parts, links and mentions; punctuation after a link stays text", () => {
  const parts = textParts("Siehe https://example.org/a?b=1. Danke @Ben Kurz, @anna berg!",
    ["Anna Berg", "Ben Kurz"], "Anna Berg");
  assert.deepEqual(parts, [
    { text: "Siehe " },
    { url: "https://example.org/a?b=1" },
    { text: ". Danke " },
    { mention: "@Ben Kurz", me: false },
    { text: ", " },
    { mention: "@anna berg", me: true },
    { text: "!" },
  ]);
  assert.deepEqual(textParts("<b>no html</b>", [], "Anna"), [{ text: "<b>no html</b>" }]);
});

test("a message mentions me only when someone else wrote my name", () => {
  assert.equal(mentionsMe({ author: ben, body: "@Anna Berg bitte" }, 1, "Anna Berg"), true);
  assert.equal(mentionsMe({ author: anna, body: "@Anna Berg bitte" }, 1, "Anna Berg"), false);
  assert.equal(mentionsMe({ author: ben, body: "@Anna Bergmann" }, 1, "Anna Berg"), false);
  assert.equal(mentionsMe({ author: ben, body: null }, 1, "Anna Berg"), false);
});

test("the receipt counts the other members whose watermark reached the message", () => {
  const members = new Map([
    [1, { user_id: 1, name: "Anna Berg", last_read_message_id: 10 }],
    [2, { user_id: 2, name: "Ben Kurz", last_read_message_id: 9 }],
    [3, { user_id: 3, name: "Cem Ay", last_read_message_id: null }],
  ]);
  assert.deepEqual(receiptFor(10, members, 1), { text: "Gesendet", read: false, readers: [] });
  members.get(2).last_read_message_id = 10;
  assert.deepEqual(receiptFor(10, members, 1), { text: "Von 1 von 2 gelesen", read: true, readers: ["Ben Kurz"] });
  members.get(3).last_read_message_id = 12;
  assert.equal(receiptFor(10, members, 1).text, "Von allen gelesen");
  members.delete(3);
  assert.equal(receiptFor(10, members, 1).text, "Gelesen");
  assert.equal(receiptFor(10, new Map([[1, members.get(1)]]), 1), null);
});

test("the @ menu opens on an @ after a space or at the start, with the caret right after", () => {
  assert.deepEqual(mentionQuery("Hallo @An", 9, 9), { start: 6, text: "An" });
  assert.deepEqual(mentionQuery("@", 1, 1), { start: 0, text: "" });
  assert.equal(mentionQuery("mail@An", 7, 7), null);
  assert.equal(mentionQuery("Hallo @An", 9, 7), null); // a selection, not a caret
  assert.equal(mentionQuery("Hallo @An", 3, 3), null);
});

test("candidates: other members whose name or a word of it starts with the text, by name", () => {
  const members = new Map([
    [1, { user_id: 1, name: "Anna Berg" }],
    [2, { user_id: 2, name: "Ben Kurz" }],
    [3, { user_id: 3, name: "Berta Adler" }],
    [4, { user_id: 4, name: "Kai Abend" }],
  ]);
  assert.deepEqual(mentionCandidates(members, "be", 1).map((m) => m.user_id), [2, 3]);
  assert.deepEqual(mentionCandidates(members, "a", 1).map((m) => m.user_id), [3, 4]);
  assert.deepEqual(mentionCandidates(members, "", 4).map((m) => m.name), ["Anna Berg", "Ben Kurz", "Berta Adler"]);
  const many = new Map(Array.from({ length: 12 }, (_, i) => [i + 10, { user_id: i + 10, name: "Name " + i }]));
  assert.equal(mentionCandidates(many, "n", 1).length, 8);
});

test("choosing a candidate replaces what was typed after the @", () => {
  assert.deepEqual(insertMention("Hallo @Be und", 6, 9, "Ben Kurz"), { value: "Hallo @Ben Kurz  und", caret: 16 });
});

test("room names, subtitles and typing lines", () => {
  assert.equal(roomName({ kind: "direct", peer: { name: "Ben Kurz" } }), "Ben Kurz");
  assert.equal(roomName({ kind: "direct" }), "Direktnachricht");
  assert.equal(roomName({ kind: "group", name: "" }), "Ohne Namen");
  const members = new Map([[1, { online: true }], [2, { online: false }], [3, { online: true }]]);
  assert.deepEqual(roomSubtitle({ kind: "group", visibility: "network", topic: "Zahlen" }, members),
    ["3 Mitglieder", "2 online", "im Netzwerk", "Zahlen"]);
  assert.deepEqual(roomSubtitle({ kind: "direct", peer: { id: 2 } }, members), ["offline"]);
  assert.deepEqual(roomSubtitle({ kind: "group" }, new Map()), []);
  assert.equal(typingText([]), "");
  assert.equal(typingText(["Ben"]), "Ben schreibt …");
  assert.equal(typingText(["Ben", "Cem"]), "Ben und Cem schreiben …");
  assert.equal(typingText(["Ben", "Cem", "Dora"]), "3 Personen schreiben …");
});

test("sizes, file labels, initials and error texts", () => {
  assert.equal(formatSize(100), "1 KB");
  assert.equal(formatSize(2048), "2 KB");
  assert.equal(formatSize(1.5 * 1024 * 1024), "1,5 MB");
  assert.equal(fileIcon({ content_type: "application/pdf" }), "PDF");
  assert.equal(fileIcon({ content_type: "text/csv" }), "XLS");
  assert.equal(fileIcon({ content_type: "application/vnd.oasis.opendocument.text" }), "DOC");
  assert.equal(fileIcon({ content_type: "image/png" }), "IMG");
  assert.equal(fileIcon({}), "TXT");
  assert.equal(initials("anna maria berg"), "AM");
  assert.equal(initials(""), "?");
  assert.equal(answerMessage({ status: 422, data: { errors: { json: { body: ["Zu lang."] } } } }), "Zu lang.");
  assert.equal(answerMessage({ status: 422, data: {} }), "Bitte prüfen");
  assert.equal(answerMessage(null), "Fehler");
});

test("rooms: newest message first, filtered by name, unread summed without muted rooms", () => {
  const rooms = [
    { id: 1, name: "Alt", last_message_id: 5, unread: 2 },
    { id: 2, name: "Neu", last_message_id: 9, unread: 1, muted: true },
    { id: 3, name: "Leer" },
    { id: 4, name: "Auch leer" },
  ];
  assert.deepEqual(sortRooms(rooms).map((r) => r.id), [2, 1, 4, 3]);
  assert.deepEqual(rooms.filter((r) => matchesFilter(r, "  LEER ")).map((r) => r.id), [3, 4]);
  assert.equal(rooms.filter((r) => matchesFilter(r, "")).length, 4);
  assert.equal(unreadTotal(rooms), 2);
  assert.equal(unreadTotal(new Map(rooms.map((r) => [r.id, r]))), 2);
});

test("the page title carries the unread count, capped, and loses it at zero", () => {
  assert.equal(titleWithUnread("Nachrichten · Exchange", 3), "(3) Nachrichten · Exchange");
  assert.equal(titleWithUnread("(3) Nachrichten · Exchange", 120), "(99+) Nachrichten · Exchange");
  assert.equal(titleWithUnread("(99+) Nachrichten · Exchange", 0), "Nachrichten · Exchange");
});

test("a message counts as unread unless it is mine, seen, or read at the bottom", () => {
  const room = { last_message_id: 5 };
  assert.equal(recordLatest(room, { id: 6, created_at: "t6" }), true);
  assert.deepEqual(room, { last_message_id: 6, last_message_at: "t6" });
  assert.equal(recordLatest(room, { id: 4, created_at: "t4" }), false);
  assert.equal(room.last_message_id, 6);

  const elsewhere = { open: false, known: false, reading: false };
  assert.equal(countsAsUnread({ ...elsewhere, fresh: true, mine: false }), true);
  assert.equal(countsAsUnread({ ...elsewhere, fresh: false, mine: false }), false);
  assert.equal(countsAsUnread({ ...elsewhere, fresh: true, mine: true }), false);
  const open = { open: true, fresh: true, mine: false };
  assert.equal(countsAsUnread({ ...open, known: false, reading: false }), true);
  assert.equal(countsAsUnread({ ...open, known: false, reading: true }), false);
  assert.equal(countsAsUnread({ ...open, known: true, reading: false }), false);
});

test("reading elsewhere up to the newest message clears the room; less asks the server", () => {
  const room = { last_message_id: 10, last_read_message_id: 4, unread: 3 };
  assert.equal(applyOwnRead(room, 8), false);
  assert.equal(room.unread, 3);
  assert.equal(room.last_read_message_id, 8);
  assert.equal(applyOwnRead(room, 6), false);
  assert.equal(room.last_read_message_id, 8);
  assert.equal(applyOwnRead(room, 10), true);
  assert.equal(room.unread, 0);
});

test("a new room is direct, a private group or a network channel", () => {
  assert.deepEqual(newRoomBody(true, "ignored", "network", [5]), { kind: "direct", member_ids: [5] });
  assert.deepEqual(newRoomBody(false, "Team", "private", [5, 6]),
    { kind: "group", name: "Team", visibility: "private", member_ids: [5, 6] });
  assert.deepEqual(newRoomBody(false, "Alle", "network", []),
    { kind: "channel", name: "Alle", visibility: "network", member_ids: [] });
});
