/* What the shared socket brings to the chat: messages, edits, read marks, typing,
   presence, membership, mentions and listing changes. On every (re)connect the page
   fetches what it missed. */
import { api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { followConnection } from "../common/socket.js";
import { toast } from "../common/toasts.js";
import { ui } from "./elements.js";
import { typingText } from "./format.js";
import { refreshCards } from "./listing_cards.js";
import { placeMessages, renderReceipts } from "./message_list.js";
import { loadMembers, openRoom, renderHead } from "./pane.js";
import { catchUp, markRead } from "./reading.js";
import { applyOwnRead, countsAsUnread, recordLatest } from "./room_logic.js";
import { loadRoomsSoon, renderRooms } from "./rooms.js";
import { isReading, scrollToBottom } from "./scrolling.js";
import { state, TOAST_MS, TYPING_SHOWN_MS } from "./state.js";

/** A message arrived (or is my own, just sent): into the pane when its room is open,
    else onto the room's unread count. */
export function onMessage(message) {
  const room = state.rooms.get(message.room_id);
  const mine = Boolean(message.author) && message.author.id === config.user_id;
  if (!room) { loadRoomsSoon(); return; }
  const fresh = recordLatest(room, message);
  if (message.author) stopTyping(message.author.id);
  const open = message.room_id === state.roomId && state.member;
  if (open) {
    const known = state.messages.has(message.id);
    const follow = state.stickToBottom || mine;
    placeMessages([message]);
    if (follow) scrollToBottom();
    if (countsAsUnread({ open, known, fresh, mine, reading: isReading() })) {
      room.unread = (room.unread || 0) + 1;
      ui.newBelow.hidden = false;
    }
    markRead();
  } else if (countsAsUnread({ open, known: false, fresh, mine, reading: false })) {
    room.unread = (room.unread || 0) + 1;
  }
  renderRooms();
}

function onMessageUpdated(message) {
  if (message.room_id === state.roomId && state.messages.has(message.id)) {
    placeMessages([message]);
  }
}

function onRead(event) {
  if (event.user_id === config.user_id) {
    // Read in another tab or window of mine.
    const room = state.rooms.get(event.room_id);
    if (!room) return;
    if (!applyOwnRead(room, event.message_id)) loadRoomsSoon();
    renderRooms();
    return;
  }
  if (event.room_id !== state.roomId) return;
  const member = state.members.get(event.user_id);
  if (member) {
    member.last_read_message_id = Math.max(member.last_read_message_id || 0, event.message_id);
    renderReceipts();
  }
}

function onTyping(event) {
  if (event.room_id !== state.roomId || !event.user || event.user.id === config.user_id) return;
  const entry = state.typing.get(event.user.id);
  if (entry) clearTimeout(entry.timer);
  state.typing.set(event.user.id, {
    name: event.user.name,
    timer: setTimeout(() => { stopTyping(event.user.id); }, TYPING_SHOWN_MS),
  });
  renderTyping();
}

function stopTyping(userId) {
  const entry = state.typing.get(userId);
  if (!entry) return;
  clearTimeout(entry.timer);
  state.typing.delete(userId);
  renderTyping();
}

function renderTyping() {
  ui.typingLine.textContent = typingText(Array.from(state.typing.values()).map((entry) => entry.name));
}

function onPresence(event) {
  const member = state.members.get(event.user_id);
  if (member) {
    member.online = event.online;
    renderHead();
  }
}

function onRoomEvent(event) {
  if (event.event !== "member_added") return;
  if (event.user_id === config.user_id) loadRoomsSoon();
  if (event.room_id === state.roomId) loadMembers(state.roomId);
}

function showRoomAction(roomId) {
  return { label: t("show"), run: () => { openRoom(roomId, { push: true }); } };
}

function onNotification(note) {
  const payload = note.payload || {};
  if (note.kind === "chat_mention") {
    const here = payload.room_id === state.roomId && isReading();
    if (!here) {
      toast(t("mentioned", { name: (payload.author || {}).name || "", room: payload.room_name || "" }),
        { action: showRoomAction(payload.room_id), timeout: TOAST_MS });
    }
    markNotificationRead(note.id);
  } else if (note.kind === "chat_reply") {
    // A reply in the room one is reading is seen already; elsewhere the bell tells.
    if (payload.room_id === state.roomId && isReading()) markNotificationRead(note.id);
  } else if (note.kind === "listing_requested") {
    toast(t("requested_toast", { name: (payload.by || {}).name || "", title: payload.title || "" }),
      { action: showRoomAction(payload.room_id), timeout: TOAST_MS });
  }
}

function markNotificationRead(id) {
  if (id) api("POST", "/notifications/" + id + "/read", {});
}

function onListing(event) {
  if (!event || !event.listing || !state.listings.has(event.listing.id)) return;
  const known = state.listings.get(event.listing.id);
  const merged = Object.assign({}, known && typeof known.then !== "function" ? known : {}, event.listing);
  state.listings.set(event.listing.id, merged);
  refreshCards(event.listing.id);
}

export function connectSocket() {
  const socket = followConnection({
    onConnect() {
      state.connected = true;
      state.connectedAt = Date.now();
      catchUp();
      state.everConnected = true;
    },
    onDown() { state.connected = false; },
  });
  state.socket = socket;
  // For the console and the browser tests (drop the connection and come back).
  window.Exchange = Object.assign(window.Exchange || {}, { chatSocket: socket });
  socket.on("message", onMessage);
  socket.on("message_updated", onMessageUpdated);
  socket.on("read", onRead);
  socket.on("typing", onTyping);
  socket.on("presence", onPresence);
  socket.on("room", onRoomEvent);
  socket.on("notification", onNotification);
  socket.on("listing", onListing);
  socket.on("session_ended", () => { window.location.reload(); });
}
