/* The listing's place: a draggable pin on the base map (the vendor's global L), kept in
   step with the latitude and longitude fields; a click on the map moves it there. */
import { createMap } from "../common/basemap.js";
import { typedCoordinates } from "./fields.js";

/** onMoved(point, byHand) is told where the pin went (byHand: by dragging or clicking). */
export function makePin(element, latInput, lonInput, onMoved) {
  const map = createMap(element, { scrollWheelZoom: true });
  let pin = null;

  function writeCoordinates(point, byHand) {
    latInput.value = point.lat.toFixed(6);
    lonInput.value = point.lng.toFixed(6);
    onMoved(point, byHand);
  }

  /** options.writeFields (default true) writes the fields; options.zoom zooms there. */
  function setPin(lat, lon, options) {
    const point = L.latLng(lat, lon);
    if (!pin) {
      pin = L.marker(point, { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      pin.on("drag dragend", () => { writeCoordinates(pin.getLatLng(), true); });
    } else {
      pin.setLatLng(point);
    }
    if (options && options.writeFields !== false) writeCoordinates(point, Boolean(options.byHand));
    // At once, not animated: a click while the map still glides would be read in the view
    // it left, and the pin would land where nobody pointed.
    if (options && options.zoom) map.setView(point, options.zoom, { animate: false });
  }

  function readCoordinates() {
    const typed = typedCoordinates(latInput.value.trim(), lonInput.value.trim());
    if (!typed) return;
    setPin(typed.lat, typed.lon, { writeFields: false });
    if (!map.getBounds().contains([typed.lat, typed.lon])) map.panTo([typed.lat, typed.lon]);
  }

  map.on("click", (event) => { setPin(event.latlng.lat, event.latlng.lng, { byHand: true }); });
  latInput.addEventListener("input", readCoordinates);
  lonInput.addEventListener("input", readCoordinates);

  return {
    setPin,
    hasPin: () => pin !== null,
    showPlace: (lat, lon, zoom) => { map.setView([lat, lon], zoom); },
  };
}
