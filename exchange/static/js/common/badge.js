/* Counters on badges (the bell, unread messages): large counts are capped. */

/** "0".."99", then "99+". */
export function badgeText(count) {
  return count > 99 ? "99+" : String(count);
}

/** A count read back from a badge's data-count ("" or nonsense: 0). */
export function badgeCount(badge) {
  return parseInt(badge.dataset.count || "0", 10) || 0;
}
