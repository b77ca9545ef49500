/* The Leaflet map (the vendor script's global L) and what is drawn on it: the server's
   clusters, a pin per listing, the selected listing's pin above the rest. */
import { createMap } from "../common/basemap.js";
import { el } from "../common/dom.js";
import { redrawKeepingFocus } from "../common/focus.js";
import { formatCount, formatNumber } from "../common/format.js";
import { t, tn } from "../common/i18n.js";
import { clusterSize, mergeOverlapping } from "./clusters.js";
import { openDetail } from "./detail.js";
import { hasLocation, placesOf } from "./listing_facts.js";
import { state } from "./state.js";

export const map = createMap(document.getElementById("map"));
const clusterLayer = L.layerGroup().addTo(map);
const markerLayer = L.layerGroup().addTo(map);
const selectedLayer = L.layerGroup().addTo(map);
const radiusLayer = L.layerGroup().addTo(map);
const markersById = new Map();
const pinPane = map.getPane("markerPane");

/** The same listing's pin after a re-draw (a cluster has no lasting identity: null). */
function samePin(element) {
  const pin = element.querySelector("[data-listing-id]");
  return pin ? '.leaflet-marker-icon:has([data-listing-id="' + Number(pin.dataset.listingId) + '"])' : null;
}

/** Runs `draw` with the keyboard focus kept on the pin it was on, or on the map when that
    pin went into a cluster: a re-draw after a move must not drop it to the page's body. */
function keepingFocus(draw) {
  return (...args) => { redrawKeepingFocus(pinPane, samePin, () => draw(...args), map.getContainer()); };
}

/* Markers do not pan the map when they get the keyboard focus (Leaflet's autoPanOnFocus):
   the pan would search the new area and rewrite the result list under someone tabbing
   through the pins; the pins drawn are those of the searched area anyway. */

/** Enter or Space on a focused marker: Leaflet makes markers buttons for the keyboard (a
    tab stop, role=button) but answers no key on them. An opened listing takes the focus. */
function onPress(marker, run) {
  marker.on("keypress", (event) => {
    if (event.originalEvent.key !== "Enter" && event.originalEvent.key !== " ") return;
    event.originalEvent.preventDefault();
    run();
  });
}

function pinIcon(listing, selected) {
  const places = placesOf(listing);
  return L.divIcon({
    className: "pin pin-" + listing.kind + (selected ? " selected" : "")
      + (listing.status !== "published" ? " pin-inactive" : ""),
    html: '<span data-listing-id="' + Number(listing.id) + '">'
      + (places === null || places === undefined ? "" : formatNumber(places, 0)) + "</span>",
    iconSize: [32, 40],
    iconAnchor: [16, 40],
    tooltipAnchor: [0, -36],
  });
}

function listingMarker(listing, selected) {
  const marker = L.marker([listing.location.lat, listing.location.lon], {
    icon: pinIcon(listing, selected),
    keyboard: true,
    autoPanOnFocus: false,
    title: listing.title,
    zIndexOffset: selected ? 1000 : 0,
    riseOnHover: true,
  });
  marker.on("click", () => { openDetail(listing.id, { center: false }); });
  onPress(marker, () => { openDetail(listing.id, { center: false, focus: true }); });
  return marker;
}

function clusterMarker(cluster) {
  const size = clusterSize(cluster.count);
  const marker = L.marker([cluster.lat, cluster.lon], {
    icon: L.divIcon({
      className: "cluster",
      html: "<span>" + formatCount(cluster.count) + "</span>",
      iconSize: [size, size],
    }),
    keyboard: true,
    autoPanOnFocus: false,
    title: t("cluster_hint"),
  });
  let tip = tn("cluster", cluster.count);
  if (cluster.free_beds) tip += " · " + tn("free_beds", cluster.free_beds);
  // Leaflet writes a string content as HTML: the text goes in as an element.
  marker.bindTooltip(el("span", { text: tip }), { direction: "top" });
  const zoomIn = () => {
    map.setView([cluster.lat, cluster.lon], Math.min(map.getZoom() + 2, map.getMaxZoom()));
  };
  marker.on("click", zoomIn);
  onPress(marker, zoomIn);
  return marker;
}

function clearMarkers() {
  clusterLayer.clearLayers();
  markerLayer.clearLayers();
  markersById.clear();
}

function addPin(listing) {
  const marker = listingMarker(listing, false);
  markersById.set(listing.id, marker);
  markerLayer.addLayer(marker);
}

/** Exactly these listings, one pin each (the selected one is drawn by drawSelected). */
export const drawListings = keepingFocus((listings) => {
  clearMarkers();
  listings.forEach((listing) => {
    if (!hasLocation(listing) || listing.id === state.selectedId) return;
    addPin(listing);
  });
});

/** The server's clusters; a cluster of one listing is its pin. */
export const drawClusters = keepingFocus((clusters) => {
  clearMarkers();
  const project = (lat, lon) => map.latLngToLayerPoint([lat, lon]);
  mergeOverlapping(clusters, project).forEach((cluster) => {
    if (cluster.count === 1 && cluster.listing_id) {
      if (cluster.listing_id === state.selectedId) return;
      // The cluster tells neither kind nor size; a neutral pin until the list knows it.
      addPin(state.listings.get(cluster.listing_id) || {
        id: cluster.listing_id, kind: cluster.kind || "single", status: "published",
        location: { lat: cluster.lat, lon: cluster.lon },
      });
    } else {
      clusterLayer.addLayer(clusterMarker(cluster));
    }
  });
});

export const drawSelected = keepingFocus(() => {
  selectedLayer.clearLayers();
  const listing = state.selected;
  if (!listing || !hasLocation(listing)) return;
  const existing = markersById.get(listing.id);
  if (existing) {
    markerLayer.removeLayer(existing);
    markersById.delete(listing.id);
  }
  selectedLayer.addLayer(listingMarker(listing, true));
});

export const clearSelected = keepingFocus(() => {
  selectedLayer.clearLayers();
});

/** A result under the mouse or focus lifts its pin. */
export function highlight(id, on) {
  const marker = markersById.get(id);
  const element = marker && marker.getElement();
  if (element) {
    element.classList.toggle("hover", on);
    marker.setZIndexOffset(on ? 500 : 0);
  }
}

/** The circle of the radius search around `near` ({lat, lon}), or none. */
export function drawRadius(near, km) {
  radiusLayer.clearLayers();
  if (!near || !km) return;
  radiusLayer.addLayer(L.circle([near.lat, near.lon], {
    radius: km * 1000, interactive: false, color: "#1f6feb", weight: 1.5, fillOpacity: 0.04,
  }));
  radiusLayer.addLayer(L.circleMarker([near.lat, near.lon], {
    radius: 4, interactive: false, color: "#1f6feb", fillOpacity: 1,
  }));
}

/** The map shows the whole circle of the radius search. */
export function fitRadius(near, km) {
  map.fitBounds(L.latLng(near.lat, near.lon).toBounds(km * 2000));
}
