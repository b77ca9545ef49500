/* How the chat writes rooms, times, sizes and the open room's subtitle. No DOM here. */
import { errorText } from "../common/api.js";
import { formatMoney, formatNumber, locale, toNumber } from "../common/format.js";
import { t, tn } from "../common/i18n.js";

const DAY_MS = 86400000;

export function roomName(room) {
  if (!room) return "";
  if (room.kind === "direct") return room.peer ? room.peer.name : t("direct_room");
  return room.name || t("unnamed_room");
}

/** The Berlin calendar day of a moment, as "YYYY-MM-DD". */
export function dayKey(iso) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date(iso));
}

export function formatTime(iso) {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short", timeZone: "Europe/Berlin" })
    .format(new Date(iso));
}

/** The day separator's text: today, yesterday, or the full date. */
export function formatDay(iso, now = Date.now()) {
  const key = dayKey(iso);
  if (key === dayKey(new Date(now).toISOString())) return t("today");
  if (key === dayKey(new Date(now - DAY_MS).toISOString())) return t("yesterday");
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeZone: "Europe/Berlin" })
    .format(new Date(iso));
}

/** Short relative time for the room list: a time today, else a date. */
export function formatWhen(iso, now = Date.now()) {
  if (!iso) return "";
  if (dayKey(iso) === dayKey(new Date(now).toISOString())) return formatTime(iso);
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short", timeZone: "Europe/Berlin" })
    .format(new Date(iso));
}

export function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return t("size_mb", { n: formatNumber(bytes / 1024 / 1024, 1) });
  return t("size_kb", { n: formatNumber(Math.max(1, Math.round(bytes / 1024)), 0) });
}

/** The short type label on a file attachment. */
export function fileIcon(doc) {
  const type = doc.content_type || "";
  if (type === "application/pdf") return "PDF";
  if (type.indexOf("spreadsheet") >= 0 || type === "text/csv") return "XLS";
  if (type.indexOf("word") >= 0 || type.indexOf("opendocument.text") >= 0) return "DOC";
  if (type.indexOf("image/") === 0) return "IMG";
  return "TXT";
}

export function initials(name) {
  return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase()).join("");
}

const AVATAR_HUES = [205, 150, 28, 280, 0, 185, 95, 330];

/** Each person keeps one colour (by id). */
export function avatarColour(id) {
  return "hsl(" + AVATAR_HUES[(id || 0) % AVATAR_HUES.length] + ", 45%, 42%)";
}

/** An error answer for the user: the first field's message where there is one. */
export function answerMessage(answer) {
  const data = answer && answer.data;
  if (data && data.errors) {
    const fields = data.errors.json || data.errors;
    const first = Object.keys(fields)[0];
    if (first && fields[first] && fields[first][0]) return fields[first][0];
  }
  return errorText(answer || { status: 0 });
}

/** "Anna is typing", "Anna and Ben …", "3 people …"; "" for nobody. */
export function typingText(names) {
  if (!names.length) return "";
  if (names.length === 1) return t("typing_one", { name: names[0] });
  if (names.length === 2) return t("typing_two", { first: names[0], second: names[1] });
  return t("typing_many", { n: formatNumber(names.length, 0) });
}

/** The parts of the open room's subtitle: the peer's presence (direct) or members, who is
    online and the visibility; then the topic. */
export function roomSubtitle(room, members) {
  const parts = [];
  if (room.kind === "direct") {
    const peer = room.peer && members.get(room.peer.id);
    if (peer) parts.push(peer.online ? t("online") : t("offline"));
  } else if (members.size) {
    let online = 0;
    members.forEach((member) => { if (member.online) online += 1; });
    parts.push(tn("members", members.size));
    if (online) parts.push(t("online_n", { n: formatNumber(online, 0) }));
    parts.push(room.visibility === "network" ? t("visibility_network") : t("visibility_private"));
  }
  if (room.topic) parts.push(room.topic);
  return parts;
}

/** Whether the listing is my own or my organisations' (no request button then). */
export function ownSide(listing, viewer) {
  return listing.owner_id === viewer.user_id
    || viewer.member_organization_ids.indexOf(listing.organization_id) >= 0;
}

/** The facts line of a listing card. */
export function cardFacts(listing) {
  const parts = [];
  if (listing.kind === "beds") {
    if (listing.free_beds !== null && listing.free_beds !== undefined) parts.push(tn("free_beds", listing.free_beds));
    if (listing.accessible_beds) parts.push(t("accessible_beds_short", { n: listing.accessible_beds }));
  } else {
    if (listing.rooms) parts.push(tn("rooms_short", listing.rooms));
    if (listing.max_occupants) parts.push(tn("occupants_short", listing.max_occupants));
    const cold = toNumber(listing.rent_cold);
    if (cold !== null) parts.push(t("rent_total_short", { amount: formatMoney(cold + (toNumber(listing.utilities) || 0)) }));
  }
  return parts.join(" · ");
}
