/* The one Socket.IO connection of a page, shared by the bell, chat, map and capacity: each
   adds its own listeners. It is also window.exchangeSocket, for the console and the
   browser tests. The client is the package's ES module build (served from /static/vendor). */
import { io } from "../../vendor/socket.io-client/dist/socket.io.esm.min.js";
import { t } from "./i18n.js";

let socket = null;

/** The page's socket, connected on first use. */
export function sharedSocket() {
  if (socket === null) {
    socket = io({ withCredentials: true });
    window.exchangeSocket = socket;
  }
  return socket;
}

/** The #livestate indicator: whether changes arrive by themselves. */
export function showLive(live) {
  const element = document.getElementById("livestate");
  if (!element) return;
  element.dataset.live = live ? "true" : "false";
  element.textContent = live ? t("live_on") : t("live_off");
  element.title = live ? t("live_on_hint") : t("live_off_hint");
}

/** Follows the connection with #livestate; calls onConnect(first) on every (re)connect, so
    that a page fetches what it missed while away, and onDown() when it drops. The server's
    "resync" (its Redis was lost and is back: events between processes may have been
    missed) counts as a reconnect. */
export function followConnection({ onConnect, onDown } = {}) {
  const live = sharedSocket();
  let first = true;
  function connected() {
    showLive(true);
    if (onConnect) onConnect(first);
    first = false;
  }
  function down() {
    showLive(false);
    if (onDown) onDown();
  }
  showLive(false);
  live.on("connect", connected);
  live.on("disconnect", down);
  live.on("connect_error", down);
  live.on("resync", () => { if (onConnect) onConnect(false); });
  if (live.connected) connected();
  return live;
}
