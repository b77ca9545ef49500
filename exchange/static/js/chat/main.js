/* The chat page: room list with unread badges, the message pane (latest messages, older ones
   when scrolled to the top), the composer with attachments and @mentions, typing and read
   state, listing cards with "request", a dialog for new rooms. Everything goes through the
   JSON API and the shared socket; after a reconnect the pane fetches what it missed
   (`after=`). Texts come from #page-strings (common/i18n.js). */
import { config } from "../common/page.js";
import { viewToggle } from "../common/view_toggle.js";
import { autoGrow, setUpComposer } from "./composer.js";
import { ui } from "./elements.js";
import { connectSocket } from "./live.js";
import { openRoom, roomPath } from "./pane.js";
import { loadOlder, markRead } from "./reading.js";
import { joinRoom, loadRooms, renderNetwork, renderRooms, sortedRooms } from "./rooms.js";
import { setUpRoomDialog } from "./room_dialog.js";
import { atBottom, scrollToBottom } from "./scrolling.js";
import { state } from "./state.js";
import { setUpUploads } from "./uploads.js";

const NEAR_TOP_PX = 120;

setUpComposer();
setUpUploads();
ui.scroller.addEventListener("scroll", () => {
  state.stickToBottom = atBottom();
  if (ui.scroller.scrollTop < NEAR_TOP_PX) loadOlder();
  if (state.stickToBottom) markRead();
});
ui.newBelow.addEventListener("click", () => { scrollToBottom(); markRead(); });
ui.joinButton.addEventListener("click", () => { if (state.roomId) joinRoom(state.roomId); });
ui.roomFilter.addEventListener("input", () => { renderRooms(); renderNetwork(); });
document.addEventListener("visibilitychange", markRead);
window.addEventListener("focus", markRead);
// Back and forward between rooms; the skip link's "#main" is a history entry too, but of the
// room already open: re-opening it would re-draw the page under the keyboard focus.
window.addEventListener("popstate", () => {
  const match = /\/chat\/(\d+)$/.exec(window.location.pathname);
  if (match && Number(match[1]) !== state.roomId) openRoom(Number(match[1]));
});
setUpRoomDialog();
autoGrow();

// A phone shows the rooms or the conversation: opening a room (its title is set) shows it.
const views = viewToggle(document.querySelector(".chatpage"), document.getElementById("chat-view-toggle"),
  config.room_id ? "conversation" : "rooms");
new MutationObserver(() => { if (ui.roomTitle.textContent) views.show("conversation"); })
  .observe(ui.roomTitle, { childList: true, characterData: true, subtree: true });

// Opened with the page: the focus stays at the page's start (the skip link comes first);
// a room the user opens later puts it in the composer.
loadRooms().then(() => {
  if (config.room_id) {
    openRoom(config.room_id, { keepFocus: true });
  } else if (state.rooms.size && window.matchMedia("(min-width: 800px)").matches) {
    // A wide screen opens the most recent room, as mail programs do.
    const first = sortedRooms()[0];
    window.history.replaceState({ roomId: first.id }, "", roomPath(first.id));
    openRoom(first.id, { keepFocus: true });
  }
});
connectSocket();
