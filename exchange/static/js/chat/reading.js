/* Older messages when scrolled to the top, catching up after a (re)connect (`after=`),
   and the read state: what the pane shows at its bottom is read. */
import { api, errorText, query } from "../common/api.js";
import { t } from "../common/i18n.js";
import { ui } from "./elements.js";
import { placeMessages } from "./message_list.js";
import { loadMembers } from "./pane.js";
import { loadRooms, renderRooms } from "./rooms.js";
import { atBottom, isReading, scrollToBottom } from "./scrolling.js";
import { PAGE_SIZE, state } from "./state.js";

const CATCH_UP_PAGE = 200;

export function loadOlder() {
  if (!state.hasOlder || state.loadingOlder || state.oldestId === null || !state.member) return;
  state.loadingOlder = true;
  ui.olderNote.hidden = false;
  ui.olderNote.textContent = t("loading_older");
  const id = state.roomId;
  api("GET", "/rooms/" + id + "/messages" + query({ before: state.oldestId, limit: PAGE_SIZE }))
    .then((answer) => {
      state.loadingOlder = false;
      if (id !== state.roomId) return;
      if (!answer.ok) { ui.olderNote.textContent = errorText(answer); return; }
      const scroller = ui.scroller;
      const before = scroller.scrollHeight;
      const top = scroller.scrollTop;
      placeMessages(answer.data.items);
      state.hasOlder = answer.data.items.length >= PAGE_SIZE;
      ui.olderNote.hidden = state.hasOlder;
      ui.olderNote.textContent = state.hasOlder ? "" : t("start_of_room");
      // Keep what the reader looked at where it was.
      scroller.scrollTop = top + (scroller.scrollHeight - before);
    }, () => { state.loadingOlder = false; ui.olderNote.textContent = t("error_generic"); });
}

/** On (re)connect: everything after the newest message we have, page by page, so that
    nothing sent while the socket was away (or not yet in its rooms) is missing. */
export function catchUp() {
  if (state.everConnected) loadRooms();
  // Before the pane's first page is in, that page is what the room has.
  if (!state.roomId || !state.member || !state.loaded) return;
  const id = state.roomId;
  const wasAtBottom = atBottom();
  function page(cursor) {
    const params = cursor ? { cursor, limit: CATCH_UP_PAGE } : { after: state.newestId || 0, limit: CATCH_UP_PAGE };
    return api("GET", "/rooms/" + id + "/messages" + query(params)).then((answer) => {
      if (!answer.ok || id !== state.roomId) return null;
      placeMessages(answer.data.items);
      return answer.data.next_cursor ? page(answer.data.next_cursor) : null;
    });
  }
  page(null).then(() => {
    if (id !== state.roomId) return;
    if (wasAtBottom) scrollToBottom();
    loadMembers(id);
    markRead();
  });
}

/** The pane shows the newest message: everything up to it is read. */
export function markRead() {
  const room = state.rooms.get(state.roomId);
  if (!room || !state.member || state.newestId === null || !isReading()) return;
  ui.newBelow.hidden = true;
  const changed = room.unread !== 0;
  room.unread = 0;
  if (changed) renderRooms();
  if ((room.last_read_message_id || 0) >= state.newestId) return;
  room.last_read_message_id = state.newestId;
  if (state.connected) {
    state.socket.emit("read", { room_id: room.id, message_id: state.newestId });
  } else {
    api("POST", "/rooms/" + room.id + "/read", { message_id: state.newestId });
  }
}
