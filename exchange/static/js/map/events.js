/* Live listing events on the map: each handled once, and what the toast says. No DOM here. */

const REMEMBER_MS = 60000;

/** One change can reach a socket through two rooms (say, as an official and as the
    owner): a key seen within the last minute is a repeat. */
export function makeRepeatFilter(now = () => Date.now()) {
  const seen = new Map(); // event key → time
  return function isRepeat(payload) {
    const listing = payload.listing;
    const key = [payload.event, listing.id, listing.status, listing.updated_at].join("|");
    const time = now();
    seen.forEach((at, old) => { if (time - at > REMEMBER_MS) seen.delete(old); });
    if (seen.has(key)) return true;
    seen.set(key, time);
    return false;
  };
}

/** The toast for an event: {key, show} (show: offer to open the listing), or null when the
    change is nothing to this map (an update of a listing it does not show). */
export function eventToast(event, shown) {
  if (event === "published") return { key: "toast_published", show: true };
  if (event === "withdrawn") return { key: "toast_withdrawn", show: false };
  if (shown) return { key: "toast_updated", show: true };
  return null;
}
