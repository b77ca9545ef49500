/* Loading what the map area holds under the filters: the result list (a page at a time)
   and, when not everything fits in it, the server's clusters. The address bar follows. */
import { api, query } from "../common/api.js";
import { debounce, el } from "../common/dom.js";
import { focusFirst, redrawKeepingFocus } from "../common/focus.js";
import { formatNumber } from "../common/format.js";
import { t, tn } from "../common/i18n.js";
import { config } from "../common/page.js";
import { openDetail } from "./detail.js";
import { radiusParams } from "../common/place_search.js";
import { atParam, bboxParam, filtersFrom, pagePath } from "./filters.js";
import { drawClusters, drawListings, drawRadius, drawSelected, highlight, map } from "./layers.js";
import { availability, facts, placeLine } from "./listing_facts.js";
import { state, ui } from "./state.js";

// As many results as the list shows at once; when everything in the map area fits,
// the map shows exactly those (filtered) listings, otherwise the server's clusters.
const PAGE_SIZE = 100;

export function filters() {
  return filtersFrom(new FormData(ui.form));
}

function filtersValid() {
  return Array.prototype.every.call(ui.form.elements, (input) => !input.willValidate || input.checkValidity());
}

function bbox() {
  const b = map.getBounds();
  return bboxParam(b.getWest(), b.getSouth(), b.getEast(), b.getNorth());
}

/** The radius in km of the "Umkreis" select, 0 for the map area. */
export function radiusKm() {
  return Number(ui.form.elements.radius_km.value) || 0;
}

/** Where the search looks: the radius around state.near (nearest first), else the map area. */
function where() {
  const around = radiusParams(state.near, radiusKm());
  return around.near ? around : { bbox: bbox() };
}

function showScope() {
  const km = radiusKm();
  const around = Boolean(km && state.near);
  ui.resultsScope.textContent = t(around ? "scope_radius" : "scope_map");
  ui.radiusNote.hidden = !around;
  if (around) {
    ui.radiusNote.textContent = state.near.label
      ? t("radius_around", { km: String(km), place: state.near.label })
      : t("radius_around_centre", { km: String(km) });
  }
  drawRadius(around ? state.near : null, km);
}

export function writeUrl() {
  const center = map.getCenter();
  const around = radiusParams(state.near, radiusKm());
  const params = Object.assign({}, filters(), around.near ? { near: around.near, radius_km: around.radius_km } : {},
    { at: atParam(map.getZoom(), center.lat, center.lng) });
  const path = pagePath(state.selectedId, config.detail_url, config.map_url);
  window.history.replaceState(null, "", path + query(params));
}

export function refresh() {
  if (!filtersValid()) return;
  if (state.refreshController) state.refreshController.abort();
  const controller = new AbortController();
  state.refreshController = controller;
  const common = filters();
  const area = where();
  const listQuery = query(Object.assign({ limit: PAGE_SIZE }, area, common));
  const clusterQuery = query(Object.assign({ bbox: bbox(), zoom: map.getZoom() }, common));
  ui.resultsView.setAttribute("aria-busy", "true");
  writeUrl();
  showScope();

  const listing = api("GET", "/listings" + listQuery, undefined, { signal: controller.signal });
  // Within a radius the map shows the list's listings (nearest first), no clusters.
  const clusters = area.bbox
    ? api("GET", "/listings/clusters" + clusterQuery, undefined, { signal: controller.signal })
    : Promise.resolve({ ok: false });
  Promise.all([listing, clusters]).then(([list, cluster]) => {
    if (controller !== state.refreshController) return;
    ui.resultsView.removeAttribute("aria-busy");
    if (!list.ok) {
      showListError();
      if (cluster.ok) drawClusters(cluster.data.clusters || []);
      return;
    }
    state.listings = new Map();
    renderResults(list.data.items, list.data.next_cursor, false);
    if (!list.data.next_cursor || !cluster.ok) {
      // Everything in view is in the list: show exactly those (the filters apply).
      drawListings(list.data.items);
    } else {
      drawClusters(cluster.data.clusters || []);
    }
    drawSelected();
  }).catch((error) => {
    if (error && error.name === "AbortError") return;
    ui.resultsView.removeAttribute("aria-busy");
    showListError();
  });
}

const refreshDebounced = debounce(refresh, 300);

/** refresh, once typing or moving the map has paused. */
export function refreshSoon() {
  refreshDebounced();
}

export function loadNextPage() {
  if (!state.nextCursor) return;
  const params = Object.assign({ limit: PAGE_SIZE, cursor: state.nextCursor }, where(), filters());
  ui.loadMore.disabled = true;
  api("GET", "/listings" + query(params)).then((answer) => {
    ui.loadMore.disabled = false;
    if (!answer.ok) { showListError(); return; }
    renderResults(answer.data.items, answer.data.next_cursor, true);
  }, () => { ui.loadMore.disabled = false; showListError(); });
}

function resultItem(listing) {
  const badges = [el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) })];
  if (listing.status && listing.status !== "published") {
    badges.push(el("span", { class: "status status-" + listing.status, text: t("status_" + listing.status) }));
  }
  const when = availability(listing);
  const away = listing.distance_km === undefined || listing.distance_km === null ? null
    : el("span", { class: "distance", text: t("distance_km", { n: formatNumber(listing.distance_km, 1) }) });
  const button = el("button", {
    type: "button", class: "result", dataset: { listingId: listing.id },
    onclick: () => { openDetail(listing.id, { center: false, focus: true }); },
    onmouseenter: () => { highlight(listing.id, true); },
    onmouseleave: () => { highlight(listing.id, false); },
    onfocus: () => { highlight(listing.id, true); },
    onblur: () => { highlight(listing.id, false); },
  }, [
    el("span", { class: "result-badges" }, badges.concat(when ? [el("span", { class: "when", text: when })] : [])),
    el("strong", { class: "result-title", text: listing.title }),
    el("span", { class: "result-place" }, [placeLine(listing), away ? " · " : null, away]),
    el("span", { class: "result-facts", text: facts(listing) }),
  ]);
  return el("li", { class: state.selectedId === listing.id ? "active" : null }, button);
}

/** The selector of a listing's result button. */
export function resultOf(id) {
  return 'button.result[data-listing-id="' + Number(id) + '"]';
}

function renderResults(items, nextCursor, append) {
  // A redraw keeps the keyboard focus on the same listing, else on the count above the list;
  // a listing whose detail was just closed gets it once it is drawn.
  const keep = state.focusListingId;
  state.focusListingId = null;
  redrawKeepingFocus(ui.resultList, (active) => active.dataset.listingId ? resultOf(active.dataset.listingId) : null, () => {
    if (!append) ui.resultList.innerHTML = "";
    items.forEach((listing) => {
      state.listings.set(listing.id, listing);
      ui.resultList.appendChild(resultItem(listing));
    });
  }, ui.resultCount);
  if (keep && !append) focusFirst(ui.resultList, resultOf(keep));
  state.nextCursor = nextCursor;
  const shown = state.listings.size;
  ui.resultCount.textContent = tn("results", shown, nextCursor ? { n: formatNumber(shown, 0) + "+" } : null);
  ui.resultsNote.hidden = !(nextCursor || shown === 0);
  ui.resultsNote.textContent = shown === 0 ? t("no_results") : t("results_more", { n: formatNumber(shown, 0) });
  ui.resultsNote.classList.toggle("empty", shown === 0);
  ui.loadMore.hidden = !nextCursor;
}

function showListError() {
  ui.resultsNote.hidden = false;
  ui.resultsNote.textContent = t("load_error");
  ui.resultsNote.classList.add("error");
}

/** The open listing's result is marked. */
export function markActive() {
  Array.prototype.forEach.call(ui.resultList.children, (item) => {
    const button = item.querySelector("[data-listing-id]");
    item.classList.toggle("active", Boolean(button) && Number(button.dataset.listingId) === state.selectedId);
  });
}
