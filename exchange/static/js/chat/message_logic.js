/* The chat's rules about messages, apart from drawing them: grouping by day and author,
   @mentions and links in a text, read receipts, the @ menu's query and candidates.
   No DOM here: tests/js/chat_messages.test.js runs these in node. */
import { formatNumber } from "../common/format.js";
import { t } from "../common/i18n.js";
import { dayKey } from "./format.js";

/** An author's messages within this time of each other form one group. */
export const GROUP_WITHIN_MS = 5 * 60 * 1000;

/** For messages in id order: whether each starts a new day (a separator goes before it) and
    whether it continues the previous one's group (same author, same day, within minutes;
    listing cards and deleted messages stand alone). */
export function groupMessages(messages) {
  let previous = null;
  return messages.map((message) => {
    const day = dayKey(message.created_at);
    const sameDay = Boolean(previous) && dayKey(previous.created_at) === day;
    const continued = sameDay
      && Boolean(previous.author && message.author && previous.author.id === message.author.id)
      && new Date(message.created_at) - new Date(previous.created_at) < GROUP_WITHIN_MS
      && !message.listing_id && !previous.deleted_at && !message.deleted_at;
    previous = message;
    return { message, newDay: !sameDay, continued };
  });
}

function escapeRegex(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

/** "@Name" for any of the names (longest first, so "@Anna Berg" beats "@Anna"), not
    followed by a letter or digit; a pattern that matches nothing when there are no names. */
export function mentionRegex(names) {
  const sorted = names.filter(Boolean).slice().sort((a, b) => b.length - a.length);
  if (!sorted.length) return /$^/;
  return new RegExp("@(" + sorted.map(escapeRegex).join("|") + ")(?![\\p{L}\\p{N}_])", "giu");
}

/** A message text cut into plain text, web addresses ({url}) and @mentions of the names
    ({mention, me}: me when it names `myName`). */
export function textParts(text, names, myName) {
  const mention = mentionRegex(names);
  const pattern = new RegExp("(https?://[^\\s<>\"]+[^\\s<>\".,;:!?)\\]])|" + mention.source, "giu");
  const parts = [];
  let last = 0;
  text.replace(pattern, (whole, url, name, offset) => {
    if (offset > last) parts.push({ text: text.slice(last, offset) });
    if (url) {
      parts.push({ url });
    } else {
      parts.push({ mention: whole, me: name.toLocaleLowerCase() === myName.toLocaleLowerCase() });
    }
    last = offset + whole.length;
    return whole;
  });
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Whether a message by someone else names me. */
export function mentionsMe(message, myId, myName) {
  const mine = Boolean(message.author) && message.author.id === myId;
  return !mine && mentionRegex([myName]).test(message.body || "");
}

/** Under my latest message: who of the other members has read it, from their read
    watermarks. null when there is nobody else. {text, read, readers} otherwise. */
export function receiptFor(messageId, members, myId) {
  const others = [];
  const readers = [];
  members.forEach((member) => {
    if (member.user_id === myId) return;
    others.push(member);
    if ((member.last_read_message_id || 0) >= messageId) readers.push(member.name);
  });
  if (!others.length) return null;
  let text;
  if (!readers.length) text = t("sent");
  else if (others.length === 1) text = t("read");
  else if (readers.length === others.length) text = t("read_by_all");
  else text = t("read_by", { n: formatNumber(readers.length, 0), total: formatNumber(others.length, 0) });
  return { text, read: readers.length > 0, readers };
}

/** The "@name" being typed just before the caret, if any: {start (of the @), text}. */
export function mentionQuery(value, caret, selectionEnd) {
  if (caret !== selectionEnd) return null;
  const before = value.slice(0, caret);
  const match = /(^|\s)@([^@\n]{0,40})$/.exec(before);
  if (!match) return null;
  return { start: caret - match[2].length - 1, text: match[2] };
}

/** Members other than me whose name, or a word of it, starts with the text; by name, eight
    at most. */
export function mentionCandidates(members, text, myId) {
  const query = text.toLocaleLowerCase();
  const found = [];
  members.forEach((member) => {
    if (member.user_id === myId) return;
    const name = member.name.toLocaleLowerCase();
    const hit = name.indexOf(query) === 0 || name.split(/\s+/).some((word) => word.indexOf(query) === 0);
    if (hit) found.push(member);
  });
  return found.sort((a, b) => a.name.localeCompare(b.name)).slice(0, 8);
}

/** The text with the mention being typed (from `start` to `end`) replaced by "@Name ", and
    where the caret goes after it. */
export function insertMention(value, start, end, name) {
  const text = "@" + name + " ";
  return { value: value.slice(0, start) + text + value.slice(end), caret: start + text.length };
}
