/* The base map of the map page, the listing form and the directory: a Leaflet map (the
   vendor script's global L) over Germany, with the configured tiles, or Germany's outline
   and its larger cities on a plain background when no tile server is configured. */
import { config } from "./page.js";

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
    addOutline(map);
  }
  if (map.attributionControl) {
    map.attributionControl.setPrefix(false);
  }
  return map;
}

function addOutline(map) {
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
      places.addTo(map);
      function showPlaces() {
        const zoom = map.getZoom();
        places.eachLayer((marker) => {
          const element = marker.getElement();
          if (!element) return;
          element.querySelector("span").textContent = marker.placeName;
          element.style.display = zoom >= marker.minZoom ? "" : "none";
        });
      }
      map.on("zoomend", showPlaces);
      showPlaces();
    })
    .catch(() => { /* the outline only helps orientation; the map works without */ });
}
