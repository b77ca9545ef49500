/* The place search over the offline gazetteer (GET /places, /places/labels) and, where
   configured, an external geocoder: what to ask, how the answers combine, which
   suggestion is active, which place names fit on the map. No DOM here (see places.js). */

const DIGITS = /\b(\d{2,5})\b/;

/** Whether a query is worth asking: two letters of a name or two digits of a postcode
    (the API answers 422 below that). */
export function searchable(q) {
  const text = (q || "").trim();
  if (DIGITS.test(text)) return true;
  return text.replace(/[^\p{L}]/gu, "").length >= 2;
}

/** The path (below /api/v1) of a gazetteer search. */
export function placesPath(q, limit) {
  return "/places?q=" + encodeURIComponent(q.trim()) + "&limit=" + (limit || 8);
}

function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

/** west,south,east,north with five decimals, clamped to the world (a map zoomed out far
    shows more than it). */
export function bboxParam(west, south, east, north) {
  return [clamp(west, -180, 180), clamp(south, -90, 90), clamp(east, -180, 180), clamp(north, -90, 90)]
    .map((value) => value.toFixed(5)).join(",");
}

/** The path of the place names for a map area (west,south,east,north as the map's bbox)
    at a zoom (from 12 on the view's postcodes come too). */
export function labelsPath(bbox, limit, zoom) {
  return "/places/labels?bbox=" + bbox + "&limit=" + (limit || 40)
    + (zoom === undefined ? "" : "&zoom=" + Math.round(zoom));
}

/** What the map writes at a place: a town's name, a postcode's digits. */
export function labelText(item) {
  return item.kind === "postcode" ? item.postal_code : item.name;
}

/** Where the map's centre is, in words: "49074 Osnabrück, Niedersachsen". */
export function whereText(nearest) {
  if (!nearest) return "";
  return nearest.postal_code + " " + nearest.name + (nearest.state ? ", " + nearest.state : "");
}

/** A gazetteer item as a suggestion {lat, lon, label, detail, postal_code, city}. */
export function fromGazetteer(item) {
  return {
    lat: item.lat, lon: item.lon, label: item.label,
    detail: item.state, kind: item.kind,
    postal_code: item.kind === "postcode" ? item.postal_code : "",
    city: item.name, street: "",
  };
}

/** The gazetteer's suggestions first, then the geocoder's (addresses) that are not the
    same place again; at most `limit`. */
export function mergePlaces(local, external, limit) {
  const seen = new Set(local.map((place) => place.label.toLowerCase()));
  const extra = (external || []).filter((place) => !seen.has(String(place.label).toLowerCase()));
  return local.concat(extra).slice(0, limit || 10);
}

/** The index that an arrow key makes active in a list of `count` suggestions (-1: none);
    other keys leave it. Wraps around like a native list box. */
export function moveActive(index, count, key) {
  if (!count) return -1;
  if (key === "ArrowDown") return index + 1 >= count ? 0 : index + 1;
  if (key === "ArrowUp") return index <= 0 ? count - 1 : index - 1;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return index;
}

/** The gazetteer's item for exactly this five-digit postcode, or null. */
export function exactPostcode(items, postalCode) {
  const code = (postalCode || "").trim();
  if (!/^\d{5}$/.test(code)) return null;
  return (items || []).find((item) => item.kind === "postcode" && item.postal_code === code) || null;
}

/** The town of this name among the gazetteer's items (the first, larger one, when there are
    several), or null. */
export function townNamed(items, name) {
  const wanted = (name || "").trim().toLowerCase();
  if (!wanted) return null;
  return (items || []).find((item) => item.kind === "town" && item.name.toLowerCase() === wanted)
    || null;
}

/** The place names that fit: items come largest first; one is left out when its label
    would overlap one already kept. project(item) → {x, y} on screen; a label is about
    `width` px per character wide and `height` px high. */
export function fittingLabels(items, project, charWidth, height) {
  const kept = [];
  const boxes = [];
  items.forEach((item) => {
    const point = project(item);
    const box = { x1: point.x - 4, y1: point.y - height, x2: point.x + 8 + labelText(item).length * charWidth, y2: point.y + height };
    const overlaps = boxes.some((other) => box.x1 < other.x2 && other.x1 < box.x2 && box.y1 < other.y2 && other.y1 < box.y2);
    if (overlaps) return;
    boxes.push(box);
    kept.push(item);
  });
  return kept;
}

export const RADIUS_CHOICES = [10, 25, 50];

/** The search parameters of an "Umkreis" around a place: near, radius_km, sorted by
    distance; {} without a radius or a place. */
export function radiusParams(near, radiusKm) {
  const radius = Number(radiusKm);
  if (!near || !radius) return {};
  return {
    near: near.lat.toFixed(5) + "," + near.lon.toFixed(5),
    radius_km: String(radius),
    sort: "distance",
  };
}

/** The centre of ?near=lat,lon, or null when missing or broken. */
export function parseNear(value) {
  const parts = (value || "").split(",").map(Number);
  if (parts.length !== 2 || parts.some((n) => isNaN(n))) return null;
  return { lat: parts[0], lon: parts[1] };
}
