/* The base map of the map page, the listing form and the directory: a Leaflet map (the
   vendor script's global L) over Germany, with the configured tiles, or, when no tile
   server is configured, Germany's outline on a plain background with place names from the
   offline gazetteer (the largest towns of the view that fit, at every zoom). */
import { api } from "./api.js";
import { debounce, el } from "./dom.js";
import { config } from "./page.js";
import { bboxParam, fittingLabels, labelsPath, labelText, whereText } from "./place_search.js";

// Towns with at least this many postcodes are drawn as larger places.
const MAJOR_PLACE = 8;

export const GERMANY_BOUNDS = [[47.2, 5.8], [55.1, 15.1]];

export function createMap(element, options) {
  const map = L.map(element, Object.assign({
    zoomControl: true, minZoom: 4, maxZoom: 18, worldCopyJump: false,
  }, options || {}));
  map.fitBounds(GERMANY_BOUNDS);
  if (config.tile_url) {
    L.tileLayer(config.tile_url, {
      attribution: config.tile_attribution, maxZoom: 19,
    }).addTo(map);
  } else {
    element.classList.add("plain");
    addOutline(map, addPlaceNames(map));
  }
  if (map.attributionControl) {
    map.attributionControl.setPrefix(false);
  }
  return map;
}

function placeLabel(item) {
  return L.marker([item.lat, item.lon], {
    interactive: false, keyboard: false,
    icon: L.divIcon({
      className: "place-label" + (item.kind === "postcode" ? " place-postcode"
        : item.postcode_count >= MAJOR_PLACE ? " place-major" : ""),
      html: el("div", {}, [el("i"), el("span", { text: labelText(item) })]),
      iconSize: null,
    }),
  });
}

/** The gazetteer's place names for the view, reloaded after each move; returns a promise
    of whether they could be loaded (the outline's own cities stand in otherwise). */
function whereControl(map) {
  const box = el("div", { class: "map-where", "data-testid": "map-where" });
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => box;
  control.addTo(map);
  return box;
}

function addPlaceNames(map) {
  const layer = L.layerGroup().addTo(map);
  const where = whereControl(map);
  let asked = 0;
  function load() {
    const mine = ++asked;
    const b = map.getBounds();
    const path = labelsPath(bboxParam(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()), 80, map.getZoom());
    return api("GET", path)
      .then((answer) => {
        if (mine !== asked || !answer.ok) return answer.ok;
        const project = (item) => map.latLngToContainerPoint([item.lat, item.lon]);
        layer.clearLayers();
        // Where the centre is, in words: orientation where no name is in view.
        where.textContent = whereText(answer.data.nearest);
        where.hidden = !answer.data.nearest;
        if (map.attributionControl && config.places_attribution) map.attributionControl.addAttribution(config.places_attribution);
        fittingLabels(answer.data.items, project, 7, 9).forEach((item) => { layer.addLayer(placeLabel(item)); });
        return true;
      }, () => false);
  }
  map.on("moveend", debounce(load, 200));
  return load();
}

function addOutline(map, placeNamesShown) {
  fetch(config.outline_url, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((geojson) => {
      if (!geojson) return;
      const places = L.layerGroup();
      L.geoJSON(geojson, {
        interactive: false,
        filter: (feature) => feature.geometry.type !== "Point",
        style: { color: "#8aa3ba", weight: 1.5, fillColor: "#f9f8f4", fillOpacity: 1 },
      }).addTo(map).bringToBack();
      geojson.features.forEach((feature) => {
        if (feature.geometry.type !== "Point") return;
        const c = feature.geometry.coordinates;
        const marker = L.marker([c[1], c[0]], {
          interactive: false, keyboard: false,
          icon: L.divIcon({ className: "place-label", html: "<i></i><span></span>", iconSize: null }),
        });
        marker.minZoom = feature.properties.min_zoom || 0;
        marker.placeName = feature.properties.name;
        places.addLayer(marker);
      });
      function showPlaces() {
        const zoom = map.getZoom();
        places.eachLayer((marker) => {
          const element = marker.getElement();
          if (!element) return;
          element.querySelector("span").textContent = marker.placeName;
          element.style.display = zoom >= marker.minZoom ? "" : "none";
        });
      }
      placeNamesShown.then((shown) => {
        if (shown) return;
        places.addTo(map);
        map.on("zoomend", showPlaces);
        showPlaces();
      });
    })
    .catch(() => { /* the outline only helps orientation; the map works without */ });
}
