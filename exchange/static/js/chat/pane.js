/* Opening a room in the message pane: its head (name, who is online, visibility, topic),
   its latest page of messages and its members; a room I am not in offers "join". */
import { api, errorText } from "../common/api.js";
import { el } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { autoGrow } from "./composer.js";
import { ui } from "./elements.js";
import { roomName, roomSubtitle } from "./format.js";
import { listingUrl } from "./listing_cards.js";
import { closeMentions, updateMentions } from "./mentions.js";
import { placeMessages, renderReceipts } from "./message_list.js";
import { catchUp, markRead } from "./reading.js";
import { renderRooms } from "./rooms.js";
import { scrollToBottom } from "./scrolling.js";
import { PAGE_SIZE, state } from "./state.js";

export function roomPath(id) { return id ? config.room_url.replace(/0$/, String(id)) : config.chat_url; }

function resetPane() {
  state.messages = new Map();
  state.oldestId = state.newestId = null;
  state.hasOlder = false;
  state.loadingOlder = false;
  state.loaded = false;
  state.members = new Map();
  state.typing.forEach((entry) => { clearTimeout(entry.timer); });
  state.typing = new Map();
  ui.messageList.innerHTML = "";
  ui.olderNote.hidden = true;
  ui.newBelow.hidden = true;
  ui.typingLine.textContent = "";
  closeMentions();
}

/** A note in place of the messages (an error, or "join to read"). */
function showPaneNote(note) {
  ui.scroller.hidden = true;
  ui.paneEmpty.hidden = false;
  ui.paneEmpty.innerHTML = "";
  ui.paneEmpty.appendChild(note);
}

/** Opens the room: options.push adds it to the history, options.keepFocus leaves the
    focus where it is. Answers for a room no longer open are dropped (state.openSeq). */
export function openRoom(id, options = {}) {
  if (options.push && state.roomId !== id) {
    window.history.pushState({ roomId: id }, "", roomPath(id));
  }
  const seq = ++state.openSeq;
  state.roomId = id;
  state.room = null;
  state.member = false;
  resetPane();
  renderRooms();
  ui.paneEmpty.hidden = true;
  ui.paneHead.hidden = false;
  ui.roomTitle.textContent = (state.rooms.get(id) && roomName(state.rooms.get(id))) || "…";
  ui.roomSub.textContent = "";
  ui.joinButton.hidden = true;
  ui.roomListingLink.hidden = true;
  // The bed request of the room the page was opened on, shown only in that room.
  if (ui.roomTransfer) ui.roomTransfer.hidden = String(id) !== ui.roomTransfer.dataset.roomId;
  ui.scroller.hidden = false;
  ui.composer.hidden = true;
  return api("GET", "/rooms/" + id).then((answer) => {
    if (seq !== state.openSeq) return null;
    if (!answer.ok) {
      ui.roomTitle.textContent = "";
      ui.paneHead.hidden = true;  // no empty heading for a room one cannot see
      showPaneNote(el("p", { class: "flash flash-error", "data-testid": "room-error-note",
        text: answer.status === 404 ? t("room_not_found") : errorText(answer) }));
      return null;
    }
    state.room = answer.data;
    state.member = answer.data.role !== null && answer.data.role !== undefined;
    if (state.member && !state.rooms.has(id)) {
      state.rooms.set(id, answer.data);
      renderRooms();
    }
    renderHead();
    if (!state.member) {
      ui.joinButton.hidden = false;
      showPaneNote(el("p", { text: t("join_to_read") }));
      return null;
    }
    ui.composer.hidden = false;
    autoGrow();
    const askedAt = Date.now();
    return Promise.all([
      api("GET", "/rooms/" + id + "/messages?limit=" + PAGE_SIZE),
      loadMembers(id),
    ]).then(([page]) => {
      if (seq !== state.openSeq) return;
      if (!page.ok) { showPaneError(page); return; }
      state.hasOlder = page.data.items.length >= PAGE_SIZE;
      ui.olderNote.hidden = state.hasOlder;
      ui.olderNote.textContent = page.data.items.length ? t("start_of_room") : t("no_messages");
      placeMessages(page.data.items);
      state.loaded = true;
      scrollToBottom();
      renderHead();
      markRead();
      // The socket came (back) while the page was on its way: fetch what it may have missed.
      if (state.connectedAt >= askedAt) catchUp();
      if (!options.keepFocus) ui.input.focus();
    });
  }, () => { if (seq === state.openSeq) showPaneError({ status: 0 }); });
}

function showPaneError(answer) {
  ui.messageList.innerHTML = "";
  ui.messageList.appendChild(el("li", { class: "flash flash-error", text: errorText(answer) }));
}

export function loadMembers(id) {
  return api("GET", "/rooms/" + id + "/members").then((answer) => {
    if (!answer.ok || id !== state.roomId) return;
    state.members = new Map();
    answer.data.forEach((member) => { state.members.set(member.user_id, member); });
    renderHead();
    renderReceipts();
    // Someone quick may have typed "@" before the members were known.
    if (document.activeElement === ui.input) updateMentions();
  });
}

export function renderHead() {
  const room = state.room || state.rooms.get(state.roomId);
  if (!room) return;
  ui.roomTitle.textContent = roomName(room);
  const parts = roomSubtitle(room, state.members);
  ui.roomSub.textContent = parts.join(" · ");
  ui.roomSub.classList.toggle("is-online", room.kind === "direct" && parts[0] === t("online"));
  if (room.listing_id) {
    ui.roomListingLink.hidden = false;
    ui.roomListingLink.href = listingUrl(room.listing_id);
  }
}
