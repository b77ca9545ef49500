/* What several capacity pages draw: occupancy bars with their numbers, and the shared
   socket's `capacity` events. */
import { formatNumber } from "../common/format.js";
import { t } from "../common/i18n.js";
import { followConnection } from "../common/socket.js";
import { toast } from "../common/toasts.js";
import { percent } from "./logic.js";

/** Bars drawn by the server carry their shares as data-share (a style attribute would need
    'unsafe-inline' in the Content-Security-Policy); widths set through the CSSOM are allowed. */
export function sizeServerBars() {
  document.querySelectorAll(".occbar [data-share]").forEach((part) => {
    part.style.width = part.dataset.share + "%";
  });
}

/** Brings an occupancy bar (and its numbers) inside `box` up to date. */
export function updateBar(box, capacity) {
  if (!box || !capacity) return;
  const bar = box.querySelector(".occbar");
  if (bar) {
    bar.querySelector(".occ-occupied").style.width = percent(capacity.occupied, capacity.total);
    bar.querySelector(".occ-blocked").style.width = percent(capacity.blocked, capacity.total);
    bar.querySelector(".occ-free").style.width = percent(capacity.free, capacity.total);
    const title = t("bar_title", capacity);
    bar.title = title;
    bar.setAttribute("aria-label", title);
  }
  ["occupied", "blocked", "free", "total", "free_published", "held"].forEach((name) => {
    box.querySelectorAll('[data-field="' + name + '"]').forEach((field) => {
      if (capacity[name] !== undefined) field.textContent = formatNumber(capacity[name], 0);
    });
  });
}

/** Listens to the socket's `capacity` events; `onReconnect` fetches what was missed. */
export function connectCapacity(onEvent, onReconnect) {
  const socket = followConnection({
    onConnect(first) { if (!first && onReconnect) onReconnect(); },
  });
  socket.on("capacity", onEvent);
}

/** A toast on the capacity pages: kind "ok" or "error", gone after six seconds. */
export function notify(text, kind) {
  toast(text, { kind, timeout: 6000 });
}
