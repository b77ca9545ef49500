/* Shared by the map page and the listing form: page data, API calls, formatting, the base
   map (tiles when configured, else a plain background with Germany's outline) and the
   optional place search. No visible text lives here: it comes from #page-strings. */
(function (global) {
  "use strict";

  var GERMANY_BOUNDS = [[47.2, 5.8], [55.1, 15.1]];

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  }

  var strings = readJson("page-strings");
  var config = readJson("page-config");
  // The same conventions as the server's Babel locales (de, en): "28.11.2026" / "Nov 28, 2026".
  var locale = document.documentElement.lang === "en" ? "en-US" : "de-DE";

  /** A translated string with {name} placeholders filled in. */
  function t(key, values) {
    var text = strings[key] !== undefined ? strings[key] : key;
    if (values) {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return values[name] !== undefined && values[name] !== null ? String(values[name]) : whole;
      });
    }
    return text;
  }

  /** The singular or plural form of a counted text (keys <base>_one / <base>_other). */
  function tn(base, n, values) {
    var all = Object.assign({ n: formatNumber(n) }, values || {});
    return t(n === 1 ? base + "_one" : base + "_other", all);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** fetch() against our API: JSON in and out, session cookie, CSRF header on writes.
      Resolves to {ok, status, data}; rejects only when the network fails. */
  function api(method, path, body, options) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: options && options.signal,
    };
    if (method !== "GET") {
      init.headers["X-CSRFToken"] = csrfToken();
    }
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(config.api + path, init).then(function (response) {
      if (response.status === 204) {
        return { ok: true, status: 204, data: null };
      }
      return response.json().then(
        function (data) { return { ok: response.ok, status: response.status, data: data }; },
        function () { return { ok: response.ok, status: response.status, data: null }; }
      );
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value !== undefined && value !== null && value !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  /** The text of an error answer for the user. */
  function errorText(result) {
    if (result.status === 409) return t("error_conflict");
    if (result.status === 403) return t("error_forbidden");
    if (result.status === 404) return t("error_not_found");
    if (result.status === 422) return t("error_fields");
    return t("error_generic");
  }

  // --- formatting -------------------------------------------------------------------------

  function toNumber(value) {
    if (value === null || value === undefined || value === "") return null;
    var number = typeof value === "number" ? value : parseFloat(value);
    return isNaN(number) ? null : number;
  }

  function formatNumber(value, digits) {
    var number = toNumber(value);
    if (number === null) return "";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: digits === undefined ? 1 : digits })
      .format(number);
  }

  function formatMoney(value) {
    var number = toNumber(value);
    if (number === null) return "";
    var whole = Math.round(number) === number;
    return new Intl.NumberFormat(locale, {
      style: "currency", currency: "EUR",
      minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2,
    }).format(number);
  }

  /** "YYYY-MM-DD" as a local date (no time zone shift). */
  function formatDate(value) {
    if (!value) return "";
    var parts = String(value).slice(0, 10).split("-");
    var date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(date);
  }

  function formatDateTime(value) {
    if (!value) return "";
    return new Intl.DateTimeFormat(locale, {
      dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Berlin",
    }).format(new Date(value));
  }

  /** A new element: el("li", {class: "x", dataset: {id: 1}}, [children or text]). */
  function el(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "dataset") {
        Object.keys(value).forEach(function (key) { element.dataset[key] = value[key]; });
      } else if (name === "text") {
        element.textContent = value;
      } else if (name.slice(0, 2) === "on") {
        element.addEventListener(name.slice(2), value);
      } else {
        element.setAttribute(name, value === true ? "" : value);
      }
    });
    [].concat(children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return element;
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  // --- the base map -----------------------------------------------------------------------

  /** A Leaflet map over Germany: the configured tiles, or Germany's outline and its larger
      cities on a plain background when no tile server is configured. */
  function createMap(element, options) {
    var map = L.map(element, Object.assign({
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
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (geojson) {
        if (!geojson) return;
        var places = L.layerGroup();
        L.geoJSON(geojson, {
          interactive: false,
          filter: function (feature) { return feature.geometry.type !== "Point"; },
          style: { color: "#8aa3ba", weight: 1.5, fillColor: "#f9f8f4", fillOpacity: 1 },
        }).addTo(map).bringToBack();
        geojson.features.forEach(function (feature) {
          if (feature.geometry.type !== "Point") return;
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], {
            interactive: false, keyboard: false,
            icon: L.divIcon({
              className: "place-label",
              html: '<i></i><span></span>',
              iconSize: null,
            }),
          });
          marker.minZoom = feature.properties.min_zoom || 0;
          marker.placeName = feature.properties.name;
          places.addLayer(marker);
        });
        places.addTo(map);
        function showPlaces() {
          var zoom = map.getZoom();
          places.eachLayer(function (marker) {
            var element = marker.getElement();
            if (!element) return;
            element.querySelector("span").textContent = marker.placeName;
            element.style.display = zoom >= marker.minZoom ? "" : "none";
          });
        }
        map.on("zoomend", showPlaces);
        showPlaces();
      })
      .catch(function () { /* the outline only helps orientation; the map works without */ });
  }

  // --- optional place search (GEOCODER_URL) -----------------------------------------------

  /** Asks the configured geocoder. It may answer like Nominatim (a list of {lat, lon,
      display_name, address}) or Photon (GeoJSON features). `{q}` in the URL is replaced by
      the query; otherwise q=…&format=json is appended. */
  function geocode(q) {
    var url = config.geocoder_url;
    var encoded = encodeURIComponent(q);
    if (url.indexOf("{q}") >= 0) {
      url = url.replace("{q}", encoded);
    } else {
      url += (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encoded
        + "&format=json&addressdetails=1&limit=6&countrycodes=de";
    }
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var rows = Array.isArray(data) ? data : (data && data.features) || [];
        return rows.map(function (row) {
          if (row.geometry) { // Photon / GeoJSON
            var p = row.properties || {};
            return {
              lat: row.geometry.coordinates[1], lon: row.geometry.coordinates[0],
              label: [p.name, p.street && (p.street + (p.housenumber ? " " + p.housenumber : "")),
                p.postcode, p.city].filter(Boolean).join(", "),
              street: p.street ? p.street + (p.housenumber ? " " + p.housenumber : "") : "",
              postal_code: p.postcode || "", city: p.city || p.name || "",
            };
          }
          var a = row.address || {};
          return {
            lat: parseFloat(row.lat), lon: parseFloat(row.lon), label: row.display_name,
            street: a.road ? a.road + (a.house_number ? " " + a.house_number : "") : "",
            postal_code: a.postcode || "",
            city: a.city || a.town || a.village || a.municipality || "",
          };
        }).filter(function (place) { return !isNaN(place.lat) && !isNaN(place.lon); });
      });
  }

  /** Wires a search box (a form or a div holding input[name=q] and ul.placeresults; a div
      where it sits inside another form) to the geocoder. */
  function attachPlaceSearch(form, onPick) {
    if (!form || !config.geocoder_url) return;
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".placeresults");
    function show(items) {
      list.innerHTML = "";
      items.forEach(function (item) { list.appendChild(item); });
      list.hidden = items.length === 0;
    }
    function search() {
      var q = input.value.trim();
      if (q.length < 3) { show([]); return; }
      geocode(q).then(function (places) {
        if (!places.length) { show([el("li", { class: "muted", text: t("geocoder_none") })]); return; }
        show(places.map(function (place) {
          return el("li", {}, el("button", {
            type: "button", text: place.label,
            onclick: function () { show([]); input.value = place.label; onPick(place); },
          }));
        }));
      }, function () { show([el("li", { class: "muted", text: t("geocoder_error") })]); });
    }
    if (form.tagName === "FORM") {
      form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
    }
    input.addEventListener("input", debounce(search, 400));
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") show([]);
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });
  }

  global.Exchange = {
    config: config, strings: strings, locale: locale, t: t, tn: tn,
    api: api, query: query, errorText: errorText, el: el, debounce: debounce,
    toNumber: toNumber, formatNumber: formatNumber, formatMoney: formatMoney,
    formatDate: formatDate, formatDateTime: formatDateTime,
    createMap: createMap, attachPlaceSearch: attachPlaceSearch,
    GERMANY_BOUNDS: GERMANY_BOUNDS,
  };
})(window);
