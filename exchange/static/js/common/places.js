/* The place search box of the map page and the listing form: a combobox (ARIA 1.2) whose
   suggestions come from the offline gazetteer (GET /places) and, when GEOCODER_URL is set,
   from that geocoder too (addresses). Keyboard: arrows move, Enter picks, Escape closes. */
import { api } from "./api.js";
import { debounce, el } from "./dom.js";
import { geocoderUrl, placesFromAnswer } from "./geocoder.js";
import { t } from "./i18n.js";
import { config } from "./page.js";
import { fromGazetteer, mergePlaces, moveActive, placesPath, searchable } from "./place_search.js";

function geocode(q) {
  if (!config.geocoder_url) return Promise.resolve([]);
  return fetch(geocoderUrl(config.geocoder_url, q), { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(placesFromAnswer, () => []);
}

/** The gazetteer's (and the geocoder's) places for q; rejects when neither answers. */
export function findPlaces(q, limit) {
  const local = api("GET", placesPath(q, limit)).then(
    (answer) => (answer.ok ? answer.data.items.map(fromGazetteer) : []));
  return Promise.all([local, geocode(q)]).then(([found, external]) => mergePlaces(found, external, limit));
}

/** The gazetteer's raw items for q (postcodes and towns), [] when it fails. */
export function gazetteerItems(q, limit) {
  return api("GET", placesPath(q, limit)).then(
    (answer) => (answer.ok ? answer.data.items : []), () => []);
}

/** Wires a search box (an element holding input[name=q] and ul.placeresults) to the
    gazetteer; onPick(place) gets the choice ({lat, lon, label, postal_code, city, street}). */
export function attachPlaceSearch(box, onPick) {
  if (!box) return;
  const input = box.querySelector("input[name=q]");
  const list = box.querySelector(".placeresults");
  const status = box.querySelector("[aria-live]");
  let places = [];
  let active = -1;
  let asked = 0;

  function optionId(index) { return list.id + "-" + index; }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function markActive() {
    Array.prototype.forEach.call(list.children, (item, index) => {
      item.setAttribute("aria-selected", index === active ? "true" : "false");
      item.classList.toggle("active", index === active);
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", optionId(active));
      list.children[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    const place = places[index];
    if (!place) return;
    input.value = place.label;
    close();
    onPick(place);
  }

  function show(found, note) {
    places = found;
    active = -1;
    list.innerHTML = "";
    found.forEach((place, index) => {
      list.appendChild(el("li", {
        id: optionId(index), role: "option", "aria-selected": "false", class: "placeoption",
        // mousedown, not click: the input keeps its focus and the list stays until picked
        onmousedown: (event) => { event.preventDefault(); pick(index); },
      }, [el("span", { text: place.label }), place.detail ? el("small", { text: place.detail }) : null]));
    });
    if (note) list.appendChild(el("li", { class: "muted", role: "presentation", text: note }));
    list.hidden = !found.length && !note;
    input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
    if (status) status.textContent = note || t("places_found", { n: String(found.length) });
  }

  function search() {
    const q = input.value.trim();
    if (!searchable(q)) { places = []; close(); return; }
    const mine = ++asked;
    findPlaces(q, 8).then((found) => {
      if (mine !== asked) return; // a later query is on its way
      show(found, found.length ? "" : t("geocoder_none"));
    }, () => { if (mine === asked) show([], t("geocoder_error")); });
  }
  const searchSoon = debounce(search, 250);

  if (box.tagName === "FORM") {
    box.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  }
  input.addEventListener("input", searchSoon);
  input.addEventListener("blur", () => { setTimeout(close, 150); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { close(); return; }
    if (event.key === "Enter") {
      event.preventDefault();
      if (!list.hidden && places.length) pick(active >= 0 ? active : 0);
      else search();
      return;
    }
    if (["ArrowDown", "ArrowUp"].indexOf(event.key) >= 0 && places.length) {
      event.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      active = moveActive(active, places.length, event.key);
      markActive();
    }
  });
}
