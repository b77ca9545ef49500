/* The directory's map: one marker per listed organisation with a place, linked to its
   page. Tiles when configured, else Germany's outline (common/basemap.js). */
import { createMap } from "./common/basemap.js";
import { el } from "./common/dom.js";
import { config } from "./common/page.js";

const element = document.getElementById("directory-map");
if (element && window.L) {
  const map = createMap(element);
  const bounds = [];
  (config.places || []).forEach((place) => {
    const municipality = place.kind === "municipality";
    const marker = L.circleMarker([place.lat, place.lon], {
      radius: municipality ? 6 : 8, weight: 2,
      color: "#1f5f8b", fillColor: municipality ? "#5aa0d0" : "#1f5f8b",
      fillOpacity: 0.8,
    }).addTo(map);
    // Leaflet writes a string content as HTML: names go in as elements holding text.
    marker.bindPopup(el("a", { href: place.url, text: place.name }));
    marker.bindTooltip(el("span", { text: place.name }));
    bounds.push([place.lat, place.lon]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10 });
  else if (bounds.length === 1) map.setView(bounds[0], 9);
}
