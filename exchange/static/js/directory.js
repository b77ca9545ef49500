/* The directory's map: one marker per listed organisation with a place, linked to its
   page. Tiles when configured, else Germany's outline (mapbase.js). */
(function () {
  "use strict";
  var X = window.Exchange;
  var element = document.getElementById("directory-map");
  if (!element || !window.L) return;
  var map = X.createMap(element);
  var places = X.config.places || [];
  var bounds = [];
  places.forEach(function (place) {
    var marker = L.circleMarker([place.lat, place.lon], {
      radius: place.kind === "municipality" ? 6 : 8, weight: 2,
      color: "#1f5f8b", fillColor: place.kind === "municipality" ? "#5aa0d0" : "#1f5f8b",
      fillOpacity: 0.8,
    }).addTo(map);
    // Leaflet writes a string content as HTML: names go in as elements holding text.
    var link = X.el("a", { href: place.url, text: place.name });
    marker.bindPopup(link);
    marker.bindTooltip(X.el("span", { text: place.name }));
    bounds.push([place.lat, place.lon]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10 });
  else if (bounds.length === 1) map.setView(bounds[0], 9);
})();
