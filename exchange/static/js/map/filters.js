/* The map's filters and its address bar: what the form asks, the map area as bbox, and the
   view (zoom/lat/lon) kept in ?at= so a link shows the same map. No DOM here. */

export { bboxParam } from "../common/place_search.js";

export const FILTER_FIELDS = ["kind", "min_beds", "max_rent", "available_by", "fits_household"];

/** The filters that have a value, from the form's data (anything with get(name)). */
export function filtersFrom(data) {
  const result = {};
  FILTER_FIELDS.forEach((name) => {
    const value = (data.get(name) || "").trim();
    if (value) result[name] = value;
  });
  if (data.get("accessible")) result.accessible = "true";
  return result;
}

/** "zoom/lat/lon" of the ?at= parameter. */
export function atParam(zoom, lat, lon) {
  return [zoom, lat.toFixed(4), lon.toFixed(4)].join("/");
}

/** The view of ?at=zoom/lat/lon: {zoom, lat, lon}, or null when it is missing or broken. */
export function parseAt(value) {
  const at = (value || "").split("/").map(Number);
  if (at.length !== 3 || !at.every((n) => !isNaN(n))) return null;
  return { zoom: at[0], lat: at[1], lon: at[2] };
}

/** The page's path: the open listing's (detail_url with its id) or the map's. */
export function pagePath(selectedId, detailUrl, mapUrl) {
  return selectedId ? detailUrl.replace("/0", "/" + selectedId) : mapUrl;
}
