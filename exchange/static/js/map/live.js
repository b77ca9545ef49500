/* Live listing events on the shared socket: a toast, the open detail follows, and list and
   map reload when the change lies in view. After a reconnect, the map fetches anew. */
import { t } from "../common/i18n.js";
import { followConnection } from "../common/socket.js";
import { toast } from "../common/toasts.js";
import { openDetail } from "./detail.js";
import { eventToast, makeRepeatFilter } from "./events.js";
import { map } from "./layers.js";
import { hasLocation } from "./listing_facts.js";
import { refresh, refreshSoon } from "./results.js";
import { state } from "./state.js";

const isRepeat = makeRepeatFilter();

function onListingEvent(payload) {
  if (!payload || !payload.listing) return;
  const listing = payload.listing;
  if (isRepeat(payload)) return;
  const note = eventToast(payload.event, state.selectedId === listing.id || state.listings.has(listing.id));
  if (note) {
    toast(t(note.key, { title: listing.title || "" }), {
      action: note.show ? { label: t("show"), run: () => { openDetail(listing.id, { center: true }); } } : null,
    });
  }
  if (state.selectedId === listing.id) {
    openDetail(listing.id, { fallback: Object.assign({}, state.selected || {}, listing) });
  }
  // Changes far from the map area leave list and map as they are: with many open maps,
  // each event would otherwise cost every one of them a reload.
  const inView = hasLocation(listing)
    && map.getBounds().contains([listing.location.lat, listing.location.lon]);
  if (inView || state.listings.has(listing.id)) refreshSoon();
}

export function connectSocket() {
  const socket = followConnection({
    // After a reconnect, fetch what changed meanwhile.
    onConnect(first) { if (!first) refresh(); },
  });
  socket.on("listing", onListingEvent);
}
