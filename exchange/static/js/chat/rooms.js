/* The room list: my rooms with unread badges (newest first, filtered by name), the network
   rooms I may join, and the header's unread total. */
import { api } from "../common/api.js";
import { badgeText } from "../common/badge.js";
import { debounce, el } from "../common/dom.js";
import { redrawKeepingFocus } from "../common/focus.js";
import { t, tn } from "../common/i18n.js";
import { config } from "../common/page.js";
import { toast } from "../common/toasts.js";
import { ui } from "./elements.js";
import { answerMessage, formatWhen, roomName } from "./format.js";
import { openRoom } from "./pane.js";
import { matchesFilter, sortRooms, titleWithUnread, unreadTotal } from "./room_logic.js";
import { isReading } from "./scrolling.js";
import { state, TOAST_MS } from "./state.js";

export function loadRooms() {
  const mine = api("GET", "/rooms?limit=500").then((answer) => {
    if (!answer.ok) return;
    const rooms = new Map();
    answer.data.items.forEach((room) => { rooms.set(room.id, room); });
    // What the open pane knows best: it has read up to its newest message.
    const open = rooms.get(state.roomId);
    if (open && state.member && isReading()) open.unread = 0;
    state.rooms = rooms;
    renderRooms();
  });
  const network = !config.is_staff ? Promise.resolve() :
    api("GET", "/rooms?scope=network&limit=100").then((answer) => {
      if (!answer.ok) return;
      state.network = answer.data.items;
      renderNetwork();
    });
  return Promise.all([mine, network]);
}

const loadRoomsDebounced = debounce(loadRooms, 300);

/** loadRooms, once a burst of events has passed. */
export function loadRoomsSoon() {
  loadRoomsDebounced();
}

export function sortedRooms() {
  return sortRooms(state.rooms.values());
}

// Constant markup only (never user text): small icons drawn in currentColor.
const ICONS = {
  lock: '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><rect x="3" y="7" width="10" height="7.5" rx="1.5" fill="currentColor"/>'
    + '<path d="M5.2 7V5.2a2.8 2.8 0 0 1 5.6 0V7" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>',
  home: '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><path d="M1.8 8.2 8 2.4l6.2 5.8h-1.7V14H9.6v-3.6H6.4V14H3.5V8.2z" fill="currentColor"/></svg>',
};

function roomIcon(room) {
  const icon = el("span", { class: "roomicon", "aria-hidden": "true" });
  if (room.kind === "direct") icon.textContent = "@";
  else if (room.listing_id) icon.innerHTML = ICONS.home;
  else if (room.visibility === "network") icon.textContent = "#";
  else icon.innerHTML = ICONS.lock;
  return icon;
}

function roomItem(room) {
  const unread = room.unread || 0;
  return el("li", { class: room.id === state.roomId ? "active" : null }, el("button", {
    type: "button",
    class: "roomitem" + (unread ? " has-unread" : "") + (room.muted ? " muted-room" : ""),
    dataset: { roomId: room.id },
    "data-testid": "room-item",
    title: room.topic || roomName(room),
    onclick: () => { openRoom(room.id, { push: true }); },
  }, [
    roomIcon(room),
    el("span", { class: "roomname", text: roomName(room) }),
    el("span", { class: "roomwhen", text: formatWhen(room.last_message_at) }),
    unread ? el("span", {
      class: "badge unread", "data-testid": "room-unread",
      "aria-label": tn("unread", unread), text: badgeText(unread),
    }) : null,
  ]));
}

/** The same button of the same room after a re-draw (a live update re-draws the lists). */
function sameButton(active) {
  const item = active.closest("[data-room-id]");
  if (!item) return null;
  const room = '[data-room-id="' + Number(item.dataset.roomId) + '"]';
  if (active === item) return room;
  return room + (active.dataset.testid === "network-join" ? " [data-testid=network-join]" : " button.roomname");
}

export function renderRooms() {
  const filter = ui.roomFilter.value;
  redrawKeepingFocus(ui.roomList, sameButton, () => {
    ui.roomList.innerHTML = "";
    sortedRooms().filter((room) => matchesFilter(room, filter)).forEach((room) => {
      ui.roomList.appendChild(roomItem(room));
    });
  }, ui.roomFilter);
  ui.roomsEmpty.hidden = state.rooms.size > 0;
  updateTotal();
}

export function renderNetwork() {
  const filter = ui.roomFilter.value;
  const rooms = state.network.filter((room) => !state.rooms.has(room.id) && matchesFilter(room, filter));
  redrawKeepingFocus(ui.networkList, sameButton, () => {
    ui.networkList.innerHTML = "";
    rooms.forEach((room) => {
      ui.networkList.appendChild(el("li", null, el("div", { class: "roomitem joinable", dataset: { roomId: room.id } }, [
        el("span", { class: "roomicon", "aria-hidden": "true", text: "#" }),
        el("button", { type: "button", class: "link roomname", text: roomName(room), title: room.topic || "",
          onclick: () => { openRoom(room.id, { push: true }); } }),
        el("button", { type: "button", class: "kern-btn kern-btn--secondary small", "data-testid": "network-join",
          text: t("join"), onclick: () => { joinRoom(room.id); } }),
      ])));
    });
  }, ui.roomFilter);
  ui.networkSection.hidden = rooms.length === 0;
}

function updateTotal() {
  const total = unreadTotal(state.rooms);
  if (ui.navUnread) {
    ui.navUnread.hidden = total === 0;
    ui.navUnread.textContent = badgeText(total);
    ui.navUnread.dataset.count = String(total);
  }
  document.title = titleWithUnread(document.title, total);
}

export function joinRoom(id) {
  api("POST", "/rooms/" + id + "/join", {}).then((answer) => {
    if (!answer.ok) { toast(answerMessage(answer), { timeout: TOAST_MS }); return; }
    state.rooms.set(answer.data.id, answer.data);
    state.network = state.network.filter((room) => room.id !== id);
    renderRooms();
    renderNetwork();
    openRoom(id, { push: state.roomId !== id });
  }, () => { toast(t("error_generic"), { timeout: TOAST_MS }); });
}
