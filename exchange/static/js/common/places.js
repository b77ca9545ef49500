/* The place search box of the map page and the listing form, when GEOCODER_URL is set. */
import { debounce, el } from "./dom.js";
import { geocoderUrl, placesFromAnswer } from "./geocoder.js";
import { t } from "./i18n.js";
import { config } from "./page.js";

function geocode(q) {
  return fetch(geocoderUrl(config.geocoder_url, q), { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(placesFromAnswer);
}

/** Wires a search box (a form or a div holding input[name=q] and ul.placeresults; a div
    where it sits inside another form) to the geocoder; onPick(place) gets the choice. */
export function attachPlaceSearch(form, onPick) {
  if (!form || !config.geocoder_url) return;
  const input = form.querySelector("input[name=q]");
  const list = form.querySelector(".placeresults");
  function show(items) {
    list.innerHTML = "";
    items.forEach((item) => { list.appendChild(item); });
    list.hidden = items.length === 0;
  }
  function search() {
    const q = input.value.trim();
    if (q.length < 3) { show([]); return; }
    geocode(q).then((places) => {
      if (!places.length) { show([el("li", { class: "muted", text: t("geocoder_none") })]); return; }
      show(places.map((place) => el("li", {}, el("button", {
        type: "button", text: place.label,
        onclick: () => { show([]); input.value = place.label; onPick(place); },
      }))));
    }, () => { show([el("li", { class: "muted", text: t("geocoder_error") })]); });
  }
  if (form.tagName === "FORM") {
    form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  }
  input.addEventListener("input", debounce(search, 400));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") show([]);
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
}
