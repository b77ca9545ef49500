/* The shared map: server clusters, markers, filters, the result list, a listing's detail,
   and live updates from the shared socket's `listing` events. Texts come from
   #page-strings (common/i18n.js). */
import { typingIn } from "../common/focus.js";
import { viewToggle } from "../common/view_toggle.js";
import { config } from "../common/page.js";
import { parseNear } from "../common/place_search.js";
import { attachPlaceSearch } from "../common/places.js";
import { closeDetail, openDetail } from "./detail.js";
import { FILTER_FIELDS, parseAt } from "./filters.js";
import { fitRadius, map } from "./layers.js";
import { connectSocket } from "./live.js";
import { loadNextPage, radiusKm, refresh, refreshSoon } from "./results.js";
import { state, ui } from "./state.js";

/** Filters and view from the address bar; true when it held a view. */
function restoreFromUrl() {
  const params = new URLSearchParams(window.location.search);
  FILTER_FIELDS.forEach((name) => {
    if (params.get(name)) ui.form.elements[name].value = params.get(name);
  });
  ui.form.elements.accessible.checked = params.get("accessible") === "true";
  const near = parseNear(params.get("near"));
  if (near && params.get("radius_km")) {
    ui.form.elements.radius_km.value = params.get("radius_km");
    state.near = near;
  }
  const at = parseAt(params.get("at"));
  if (at) map.setView([at.lat, at.lon], at.zoom);
  return Boolean(at);
}

ui.form.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
ui.form.addEventListener("change", refreshSoon);
ui.form.addEventListener("input", refreshSoon);
ui.form.addEventListener("reset", () => { setTimeout(refresh, 0); });
ui.loadMore.addEventListener("click", loadNextPage);
map.on("moveend", refreshSoon);
attachPlaceSearch(document.getElementById("placesearch"), (found) => {
  state.near = { lat: found.lat, lon: found.lon, label: found.label };
  if (radiusKm()) fitRadius(state.near, radiusKm());
  else map.setView([found.lat, found.lon], found.kind === "town" ? 12 : 13);
  refreshSoon();
});
// Choosing a radius searches around the place found, or else around the map's centre.
ui.form.elements.radius_km.addEventListener("change", () => {
  if (!radiusKm()) return;
  if (!state.near) {
    const centre = map.getCenter();
    state.near = { lat: centre.lat, lon: centre.lng, label: null };
  }
  fitRadius(state.near, radiusKm());
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.selectedId && !typingIn(event.target)) closeDetail();
});

// A phone shows the list or the map; a listing opened from the map shows in the list's place.
const views = viewToggle(document.querySelector(".mappage"), document.getElementById("map-view-toggle"),
  "list", (view) => { if (view === "map") map.invalidateSize(); });
new MutationObserver(() => { if (!ui.detailView.hidden) views.show("list"); })
  .observe(ui.detailView, { attributes: true, attributeFilter: ["hidden"] });

const hadView = restoreFromUrl();
if (config.listing_id) openDetail(config.listing_id, { center: !hadView });
refresh();
connectSocket();
