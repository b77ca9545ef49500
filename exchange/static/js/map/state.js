/* What the map page knows, and its fixed elements (listings/templates/listings/map.html). */
const byId = (id) => document.getElementById(id);

export const state = {
  listings: new Map(),      // id → listing, of the current result list
  nextCursor: null,
  selectedId: null,
  selected: null,           // the listing shown in the detail
  refreshController: null,
  organizations: new Map(), // id → name (or a pending promise)
  focusListingId: null,     // the result to focus once the list is drawn (detail closed)
  near: null,               // {lat, lon, label} of the radius search ("Umkreis"), if any
};

export const ui = {
  form: byId("filters"),
  resultsView: byId("results-view"),
  resultList: byId("results"),
  resultCount: byId("result-count"),
  resultsNote: byId("results-note"),
  resultsScope: byId("results-scope"),
  radiusNote: byId("radius-note"),
  loadMore: byId("load-more"),
  detailView: byId("detail-view"),
};
