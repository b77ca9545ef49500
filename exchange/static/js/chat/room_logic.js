/* The chat's rules about the room list: order, filter, unread counts. No DOM here:
   tests/js/chat_rooms.test.js runs these in node. */
import { badgeText } from "../common/badge.js";
import { roomName } from "./format.js";

/** Newest message first; rooms without one by id, newest first. */
export function sortRooms(rooms) {
  return Array.from(rooms).sort((a, b) =>
    (b.last_message_id || 0) - (a.last_message_id || 0) || b.id - a.id);
}

/** Rooms whose name contains the filter text (any case); all for an empty filter. */
export function matchesFilter(room, filter) {
  const text = filter.trim().toLocaleLowerCase();
  return !text || roomName(room).toLocaleLowerCase().indexOf(text) >= 0;
}

/** Unread messages over all rooms that are not muted (the header's badge). */
export function unreadTotal(rooms) {
  let total = 0;
  rooms.forEach((room) => { if (!room.muted) total += room.unread || 0; });
  return total;
}

/** The document title with "(n) " in front while anything is unread. */
export function titleWithUnread(title, total) {
  const bare = title.replace(/^\(\S+\) /, "");
  return (total ? "(" + badgeText(total) + ") " : "") + bare;
}

/** A new message moves its room's newest message on; true when it is newer than what the
    room knew (a message seen again, say after a reconnect, is not). */
export function recordLatest(room, message) {
  const fresh = !room.last_message_id || message.id > room.last_message_id;
  if (fresh) {
    room.last_message_id = message.id;
    room.last_message_at = message.created_at;
  }
  return fresh;
}

/** Whether an arriving message adds to its room's unread count. In the open room: a
    message not shown before, by someone else, while I am not reading at the bottom.
    Elsewhere: a fresh message by someone else. */
export function countsAsUnread({ open, known, fresh, mine, reading }) {
  if (open) return !known && !mine && !reading;
  return fresh && !mine;
}

/** I read up to `messageId` in another tab or window. True when that is the room's
    newest (nothing unread); false when the list must ask the server what is left. */
export function applyOwnRead(room, messageId) {
  room.last_read_message_id = Math.max(room.last_read_message_id || 0, messageId);
  if (messageId >= (room.last_message_id || 0)) {
    room.unread = 0;
    return true;
  }
  return false;
}

/** The body of POST /rooms for the new-room dialog's choice: a direct conversation, or a
    group (private) or channel (network) with a name. */
export function newRoomBody(direct, name, visibility, memberIds) {
  if (direct) return { kind: "direct", member_ids: memberIds };
  return { kind: visibility === "network" ? "channel" : "group", name, visibility, member_ids: memberIds };
}
