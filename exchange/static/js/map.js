/* The shared map: server clusters, markers, filters, the result list, a listing's detail,
   and live updates from the socket's `listing` events. Texts come from Exchange.t(). */
(function () {
  "use strict";

  var X = window.Exchange;
  var t = X.t;
  var el = X.el;
  var config = X.config;

  // As many results as the list shows at once; when everything in the map area fits,
  // the map shows exactly those (filtered) listings, otherwise the server's clusters.
  var PAGE_SIZE = 100;
  var DETAIL_ZOOM = 13;

  var form = document.getElementById("filters");
  var resultsView = document.getElementById("results-view");
  var resultList = document.getElementById("results");
  var resultCount = document.getElementById("result-count");
  var resultsNote = document.getElementById("results-note");
  var loadMore = document.getElementById("load-more");
  var detailView = document.getElementById("detail-view");
  var liveState = document.getElementById("livestate");
  var toasts = document.getElementById("toasts");

  var state = {
    listings: new Map(),      // id → listing, of the current result list
    nextCursor: null,
    selectedId: null,
    selected: null,           // the listing shown in the detail
    refreshController: null,
    organizations: new Map(), // id → name (or a pending promise)
    firstConnect: true,
  };

  // --- map ----------------------------------------------------------------------------------

  var map = X.createMap(document.getElementById("map"));
  var clusterLayer = L.layerGroup().addTo(map);
  var markerLayer = L.layerGroup().addTo(map);
  var selectedLayer = L.layerGroup().addTo(map);
  var markersById = new Map();

  function placesOf(listing) {
    return listing.kind === "beds" ? listing.free_beds : listing.max_occupants;
  }

  function pinIcon(listing, selected) {
    var places = placesOf(listing);
    return L.divIcon({
      className: "pin pin-" + listing.kind + (selected ? " selected" : "")
        + (listing.status !== "published" ? " pin-inactive" : ""),
      html: '<span data-listing-id="' + Number(listing.id) + '">'
        + (places === null || places === undefined ? "" : X.formatNumber(places, 0)) + "</span>",
      iconSize: [32, 40],
      iconAnchor: [16, 40],
      tooltipAnchor: [0, -36],
    });
  }

  function hasLocation(listing) {
    return listing.location && listing.location.lat !== null && listing.location.lat !== undefined;
  }

  function listingMarker(listing, selected) {
    var marker = L.marker([listing.location.lat, listing.location.lon], {
      icon: pinIcon(listing, selected),
      keyboard: true,
      title: listing.title,
      zIndexOffset: selected ? 1000 : 0,
      riseOnHover: true,
    });
    marker.on("click", function () { openDetail(listing.id, { center: false }); });
    return marker;
  }

  function clusterSize(count) {
    return Math.round(Math.min(64, 30 + Math.log10(count) * 12));
  }

  /** The server's grid cells can lie so close on screen that their circles overlap; such
      neighbours are drawn as one circle (counts added, centre weighted by count). */
  function mergeOverlapping(clusters) {
    var merged = [];
    clusters.slice().sort(function (a, b) { return b.count - a.count; }).forEach(function (cluster) {
      var point = map.latLngToLayerPoint([cluster.lat, cluster.lon]);
      var radius = cluster.count === 1 ? 16 : clusterSize(cluster.count) / 2;
      var near = merged.find(function (other) {
        return other.point.distanceTo(point) < (other.radius + radius) * 0.9;
      });
      if (!near) {
        merged.push({ cluster: Object.assign({}, cluster), point: point, radius: radius });
        return;
      }
      var into = near.cluster;
      var total = into.count + cluster.count;
      into.lat = (into.lat * into.count + cluster.lat * cluster.count) / total;
      into.lon = (into.lon * into.count + cluster.lon * cluster.count) / total;
      into.count = total;
      into.free_beds = (into.free_beds || 0) + (cluster.free_beds || 0);
      delete into.listing_id;
      near.radius = clusterSize(total) / 2;
    });
    return merged.map(function (entry) { return entry.cluster; });
  }

  function clusterMarker(cluster) {
    var count = cluster.count;
    var size = clusterSize(count);
    var label = count >= 10000
      ? new Intl.NumberFormat(X.locale, { notation: "compact", maximumFractionDigits: 0 }).format(count)
      : X.formatNumber(count, 0);
    var marker = L.marker([cluster.lat, cluster.lon], {
      icon: L.divIcon({
        className: "cluster",
        html: "<span>" + label + "</span>",
        iconSize: [size, size],
      }),
      keyboard: true,
      title: t("cluster_hint"),
    });
    var tip = X.tn("cluster", count);
    if (cluster.free_beds) tip += " · " + X.tn("free_beds", cluster.free_beds);
    // Leaflet writes a string content as HTML: the text goes in as an element.
    marker.bindTooltip(X.el("span", { text: tip }), { direction: "top" });
    marker.on("click", function () {
      map.setView([cluster.lat, cluster.lon], Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
    return marker;
  }

  function drawListings(listings) {
    clusterLayer.clearLayers();
    markerLayer.clearLayers();
    markersById.clear();
    listings.forEach(function (listing) {
      if (!hasLocation(listing) || listing.id === state.selectedId) return;
      var marker = listingMarker(listing, false);
      markersById.set(listing.id, marker);
      markerLayer.addLayer(marker);
    });
  }

  function drawClusters(clusters) {
    clusterLayer.clearLayers();
    markerLayer.clearLayers();
    markersById.clear();
    mergeOverlapping(clusters).forEach(function (cluster) {
      if (cluster.count === 1 && cluster.listing_id) {
        if (cluster.listing_id === state.selectedId) return;
        var known = state.listings.get(cluster.listing_id);
        // The cluster tells neither kind nor size; a neutral pin until the list knows it.
        var listing = known || {
          id: cluster.listing_id, kind: cluster.kind || "single", status: "published",
          location: { lat: cluster.lat, lon: cluster.lon },
        };
        var marker = listingMarker(listing, false);
        markersById.set(listing.id, marker);
        markerLayer.addLayer(marker);
      } else {
        clusterLayer.addLayer(clusterMarker(cluster));
      }
    });
  }

  function drawSelected() {
    selectedLayer.clearLayers();
    var listing = state.selected;
    if (!listing || !hasLocation(listing)) return;
    var existing = markersById.get(listing.id);
    if (existing) {
      markerLayer.removeLayer(existing);
      markersById.delete(listing.id);
    }
    selectedLayer.addLayer(listingMarker(listing, true));
  }

  function highlight(id, on) {
    var marker = markersById.get(id);
    var element = marker && marker.getElement();
    if (element) {
      element.classList.toggle("hover", on);
      marker.setZIndexOffset(on ? 500 : 0);
    }
  }

  // --- filters and the URL --------------------------------------------------------------------

  function filters() {
    var data = new FormData(form);
    var result = {};
    ["kind", "min_beds", "max_rent", "available_by"].forEach(function (name) {
      var value = (data.get(name) || "").trim();
      if (value) result[name] = value;
    });
    if (data.get("accessible")) result.accessible = "true";
    return result;
  }

  function filtersValid() {
    return Array.prototype.every.call(form.elements, function (input) {
      return !input.willValidate || input.checkValidity();
    });
  }

  function bbox() {
    var b = map.getBounds();
    function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }
    return [
      clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90),
    ].map(function (value) { return value.toFixed(5); }).join(",");
  }

  function restoreFromUrl() {
    var params = new URLSearchParams(window.location.search);
    ["kind", "min_beds", "max_rent", "available_by"].forEach(function (name) {
      if (params.get(name)) form.elements[name].value = params.get(name);
    });
    form.elements.accessible.checked = params.get("accessible") === "true";
    var at = (params.get("at") || "").split("/").map(Number);
    if (at.length === 3 && at.every(function (n) { return !isNaN(n); })) {
      map.setView([at[1], at[2]], at[0]);
      return true;
    }
    return false;
  }

  function writeUrl() {
    var center = map.getCenter();
    var params = Object.assign({}, filters(), {
      at: [map.getZoom(), center.lat.toFixed(4), center.lng.toFixed(4)].join("/"),
    });
    var path = state.selectedId
      ? config.detail_url.replace("/0", "/" + state.selectedId)
      : config.map_url;
    window.history.replaceState(null, "", path + X.query(params));
  }

  // --- loading ------------------------------------------------------------------------------

  function refresh() {
    if (!filtersValid()) return;
    if (state.refreshController) state.refreshController.abort();
    var controller = new AbortController();
    state.refreshController = controller;
    var common = filters();
    var area = bbox();
    var listQuery = X.query(Object.assign({ bbox: area, limit: PAGE_SIZE }, common));
    var clusterQuery = X.query(Object.assign({ bbox: area, zoom: map.getZoom() }, common));
    resultsView.setAttribute("aria-busy", "true");
    writeUrl();

    var listing = X.api("GET", "/listings" + listQuery, undefined, { signal: controller.signal });
    var clusters = X.api("GET", "/listings/clusters" + clusterQuery, undefined,
      { signal: controller.signal });
    Promise.all([listing, clusters]).then(function (answers) {
      if (controller !== state.refreshController) return;
      var list = answers[0];
      var cluster = answers[1];
      resultsView.removeAttribute("aria-busy");
      if (!list.ok) {
        showListError();
        if (cluster.ok) drawClusters(cluster.data.clusters || []);
        return;
      }
      state.listings = new Map();
      renderResults(list.data.items, list.data.next_cursor, false);
      if (!list.data.next_cursor || !cluster.ok) {
        // Everything in view is in the list: show exactly those (the filters apply).
        drawListings(list.data.items);
      } else {
        drawClusters(cluster.data.clusters || []);
      }
      drawSelected();
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      resultsView.removeAttribute("aria-busy");
      showListError();
    });
  }

  var refreshSoon = X.debounce(refresh, 300);

  function loadNextPage() {
    if (!state.nextCursor) return;
    var params = Object.assign({ bbox: bbox(), limit: PAGE_SIZE, cursor: state.nextCursor }, filters());
    loadMore.disabled = true;
    X.api("GET", "/listings" + X.query(params)).then(function (answer) {
      loadMore.disabled = false;
      if (!answer.ok) { showListError(); return; }
      renderResults(answer.data.items, answer.data.next_cursor, true);
    }, function () { loadMore.disabled = false; showListError(); });
  }

  // --- the result list ----------------------------------------------------------------------

  function facts(listing) {
    var parts = [];
    if (listing.kind === "beds") {
      if (listing.free_beds !== null && listing.free_beds !== undefined) {
        parts.push(X.tn("free_beds", listing.free_beds));
      }
      if (listing.accessible_beds) parts.push(t("accessible_beds_short", { n: listing.accessible_beds }));
    } else {
      if (listing.rooms) parts.push(X.tn("rooms_short", listing.rooms));
      if (listing.area_m2) parts.push(t("area_short", { n: X.formatNumber(listing.area_m2, 0) }));
      if (listing.max_occupants) parts.push(X.tn("occupants_short", listing.max_occupants));
      var total = totalRent(listing);
      if (total !== null) parts.push(t("rent_total_short", { amount: X.formatMoney(total) }));
      if (listing.accessible) parts.push(t("accessible"));
    }
    return parts.join(" · ");
  }

  function totalRent(listing) {
    var cold = X.toNumber(listing.rent_cold);
    if (cold === null) return null;
    return cold + (X.toNumber(listing.utilities) || 0);
  }

  function place(listing) {
    var address = listing.address || {};
    return [address.postal_code, address.city].filter(Boolean).join(" ");
  }

  function availability(listing) {
    var from = listing.kind === "beds" ? null : listing.available_from;
    if (!from) return listing.kind === "beds" ? "" : t("available_now");
    var today = new Date().toISOString().slice(0, 10);
    return from <= today ? t("available_now") : t("available_from_short", { date: X.formatDate(from) });
  }

  function resultItem(listing) {
    var badges = [el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) })];
    if (listing.status && listing.status !== "published") {
      badges.push(el("span", { class: "status status-" + listing.status, text: t("status_" + listing.status) }));
    }
    var when = availability(listing);
    var button = el("button", {
      type: "button", class: "result", dataset: { listingId: listing.id },
      onclick: function () { openDetail(listing.id, { center: false }); },
      onmouseenter: function () { highlight(listing.id, true); },
      onmouseleave: function () { highlight(listing.id, false); },
      onfocus: function () { highlight(listing.id, true); },
      onblur: function () { highlight(listing.id, false); },
    }, [
      el("span", { class: "result-badges" }, badges.concat(when ? [el("span", { class: "when", text: when })] : [])),
      el("strong", { class: "result-title", text: listing.title }),
      el("span", { class: "result-place", text: place(listing) }),
      el("span", { class: "result-facts", text: facts(listing) }),
    ]);
    return el("li", { class: state.selectedId === listing.id ? "active" : null }, button);
  }

  function renderResults(items, nextCursor, append) {
    if (!append) resultList.innerHTML = "";
    items.forEach(function (listing) {
      state.listings.set(listing.id, listing);
      resultList.appendChild(resultItem(listing));
    });
    state.nextCursor = nextCursor;
    var shown = state.listings.size;
    resultCount.textContent = X.tn("results", shown,
      nextCursor ? { n: X.formatNumber(shown, 0) + "+" } : null);
    resultsNote.hidden = !(nextCursor || shown === 0);
    resultsNote.textContent = shown === 0 ? t("no_results") : t("results_more", { n: X.formatNumber(shown, 0) });
    resultsNote.classList.toggle("empty", shown === 0);
    loadMore.hidden = !nextCursor;
  }

  function showListError() {
    resultsNote.hidden = false;
    resultsNote.textContent = t("load_error");
    resultsNote.classList.add("error");
  }

  function markActive() {
    Array.prototype.forEach.call(resultList.children, function (item) {
      var button = item.querySelector("[data-listing-id]");
      item.classList.toggle("active", button && Number(button.dataset.listingId) === state.selectedId);
    });
  }

  // --- detail -------------------------------------------------------------------------------

  function organizationName(id) {
    var known = state.organizations.get(id);
    if (typeof known === "string") return Promise.resolve(known);
    if (known) return known;
    var pending = X.api("GET", "/organizations/" + id).then(function (answer) {
      var name = answer.ok && answer.data ? answer.data.name : "";
      state.organizations.set(id, name);
      return name;
    }, function () { state.organizations.delete(id); return ""; });
    state.organizations.set(id, pending);
    return pending;
  }

  function openDetail(id, options) {
    options = options || {};
    state.selectedId = id;
    markActive();
    writeUrl();
    return X.api("GET", "/listings/" + id).then(function (answer) {
      if (state.selectedId !== id) return;
      if (!answer.ok) {
        if (answer.status === 404 && options.fallback) {
          // Withdrawn elsewhere, and so no longer visible: show what the event said.
          state.selected = options.fallback;
          renderDetail(options.fallback, { text: t("gone"), error: true });
          drawSelected();
        } else {
          renderDetailError(answer);
        }
        return;
      }
      state.selected = answer.data;
      renderDetail(answer.data, options.message);
      drawSelected();
      if (hasLocation(answer.data)) {
        var point = L.latLng(answer.data.location.lat, answer.data.location.lon);
        if (options.center) {
          map.setView(point, Math.max(map.getZoom(), DETAIL_ZOOM));
        } else if (!map.getBounds().pad(-0.05).contains(point)) {
          map.panTo(point);
        }
      }
    }, function () { renderDetailError({ status: 0 }); });
  }

  function closeDetail() {
    state.selectedId = null;
    state.selected = null;
    detailView.hidden = true;
    detailView.innerHTML = "";
    resultsView.hidden = false;
    selectedLayer.clearLayers();
    markActive();
    writeUrl();
    refresh();
  }

  function backButton() {
    return el("button", { type: "button", class: "back link", "data-testid": "detail-back",
      text: "← " + t("back"), onclick: closeDetail });
  }

  function renderDetailError(answer) {
    resultsView.hidden = true;
    detailView.hidden = false;
    detailView.innerHTML = "";
    detailView.appendChild(backButton());
    detailView.appendChild(el("p", { class: "flash flash-error", text: X.errorText(answer) }));
  }

  function row(label, value) {
    if (value === null || value === undefined || value === "") return null;
    return [el("dt", { text: label }), el("dd", { text: String(value) })];
  }

  function yesNo(value) {
    if (value === null || value === undefined) return null;
    return value ? t("yes") : t("no");
  }

  function factRows(listing) {
    var rows = [];
    if (listing.kind === "beds") {
      rows.push(row(t("free_beds"), X.formatNumber(listing.free_beds, 0)));
      var policy = listing.beds_by_policy || {};
      var split = ["male", "female", "family", "mixed"].filter(function (key) {
        return policy[key];
      }).map(function (key) {
        return X.formatNumber(policy[key], 0) + " " + t("policy_" + key);
      });
      rows.push(row(t("beds_by_policy"), split.join(", ")));
      rows.push(row(t("accessible_beds"), X.formatNumber(listing.accessible_beds, 0)));
      rows.push(row(t("valid_until"), X.formatDate(listing.valid_until)));
      if (listing.source) rows.push(row(t("source"), t("source_" + listing.source)));
    } else {
      rows.push(row(t("rooms"), X.formatNumber(listing.rooms)));
      rows.push(row(t("area_m2"), listing.area_m2 ? t("area_short", { n: X.formatNumber(listing.area_m2) }) : ""));
      rows.push(row(t("max_occupants"), X.formatNumber(listing.max_occupants, 0)));
      rows.push(row(t("rent_cold"), X.formatMoney(listing.rent_cold)));
      rows.push(row(t("utilities"), X.formatMoney(listing.utilities)));
      var total = totalRent(listing);
      rows.push(row(t("rent_total"), total === null ? "" : X.formatMoney(total)));
      rows.push(row(t("available_from"), listing.available_from ? X.formatDate(listing.available_from) : t("available_now")));
      rows.push(row(t("available_until"), X.formatDate(listing.available_until)));
      rows.push(row(t("accessible"), yesNo(listing.accessible)));
      rows.push(row(t("furnished"), yesNo(listing.furnished)));
      rows.push(row(t("pets_allowed"), yesNo(listing.pets_allowed)));
    }
    return rows;
  }

  function canEdit(listing) {
    return listing.owner_id === config.user_id
      || config.managed_organization_ids.indexOf(listing.organization_id) >= 0;
  }

  function actionButtons(listing) {
    var buttons = [];
    var mine = canEdit(listing);
    if (mine) {
      buttons.push(el("a", { class: "button secondary", "data-testid": "detail-edit",
        href: config.edit_url.replace("/0/", "/" + listing.id + "/"), text: t("edit") }));
    }
    function action(name, label, question) {
      return el("button", {
        type: "button", class: name === "publish" ? "primary" : "secondary",
        "data-testid": "detail-" + name, text: label,
        onclick: function () {
          if (question && !window.confirm(question)) return;
          runAction(listing.id, name);
        },
      });
    }
    if (mine && ["draft", "withdrawn", "expired"].indexOf(listing.status) >= 0) {
      buttons.push(action("publish", t("publish")));
    }
    if (mine && listing.status === "published") buttons.push(action("confirm", t("confirm")));
    if (!mine && config.is_official && listing.status === "published") {
      buttons.push(action("reserve", t("reserve")));
    }
    if (!mine && config.is_official && listing.kind === "beds" && listing.status === "published"
        && listing.free_beds > 0) {
      // A district asks another for beds: the transfer request form (exchange/capacity).
      buttons.push(el("a", { class: "button secondary", "data-testid": "detail-transfer",
        href: "/transfers/new?listing_id=" + listing.id, text: t("request_beds") }));
    }
    if (mine && listing.status === "reserved") buttons.push(action("let", t("let")));
    if (mine && ["published", "reserved"].indexOf(listing.status) >= 0) {
      buttons.push(action("withdraw", t("withdraw"), t("withdraw_question")));
    }
    if (["published", "reserved"].indexOf(listing.status) >= 0) {
      buttons.push(el("button", { type: "button", class: "secondary", "data-testid": "detail-share",
        text: t("share"), onclick: function (event) { openShare(listing, event.currentTarget); } }));
    }
    return buttons;
  }

  // --- sharing a listing in chat (it shows there as a card) ---------------------------------

  function chatRoomName(room) {
    if (room.kind === "direct") return room.peer ? room.peer.name : t("direct_room");
    return room.name;
  }

  function openShare(listing, button) {
    button.disabled = true;
    X.api("GET", "/rooms?limit=500").then(function (answer) {
      button.disabled = false;
      var rooms = answer.ok ? answer.data.items.slice() : [];
      rooms.sort(function (a, b) { return (b.last_message_id || 0) - (a.last_message_id || 0); });
      var box = el("div", { class: "sharebox", "data-testid": "share-box" });
      if (!rooms.length) {
        box.appendChild(el("p", { class: "muted small", text: t("share_no_rooms") }));
        box.appendChild(el("a", { href: "/chat", text: t("open_chat") }));
      } else {
        var select = el("select", { "data-testid": "share-room", "aria-label": t("share_room") },
          rooms.map(function (room) { return el("option", { value: room.id, text: chatRoomName(room) }); }));
        var comment = el("textarea", { rows: 2, maxlength: 10000, "data-testid": "share-comment",
          placeholder: t("share_comment"), "aria-label": t("share_comment") });
        var send = el("button", { type: "button", class: "primary", "data-testid": "share-send", text: t("share_send"),
          onclick: function () {
            send.disabled = true;
            var roomId = Number(select.value);
            X.api("POST", "/rooms/" + roomId + "/messages", { body: comment.value, listing_id: listing.id })
              .then(function (posted) {
                send.disabled = false;
                box.innerHTML = "";
                if (!posted.ok) {
                  box.appendChild(el("p", { class: "flash flash-error", text: X.errorText(posted) }));
                  return;
                }
                var name = select.options[select.selectedIndex].textContent;
                box.appendChild(el("p", { class: "flash", role: "status", "data-testid": "share-done" }, [
                  t("share_done", { room: name }) + " ",
                  el("a", { href: "/chat/" + roomId, text: t("open_chat") }),
                ]));
              }, function () { send.disabled = false; });
          } });
        [el("label", null, [t("share_room"), select]), comment,
          el("div", { class: "actions" }, [send, el("button", { type: "button", class: "secondary", text: t("cancel"),
            onclick: function () { box.parentNode.removeChild(box); button.hidden = false; } })]),
        ].forEach(function (child) { box.appendChild(child); });
      }
      button.hidden = true;
      button.parentNode.parentNode.insertBefore(box, button.parentNode.nextSibling);
      var first = box.querySelector("select, a");
      if (first) first.focus();
    }, function () { button.disabled = false; });
  }

  function runAction(id, name) {
    X.api("POST", "/listings/" + id + "/" + name, {}).then(function (answer) {
      if (answer.ok) {
        openDetail(id, { message: { text: t("action_done"), error: false } });
        refreshSoon();
      } else {
        renderDetail(state.selected, { text: (answer.data && answer.data.message) || X.errorText(answer), error: true });
      }
    }, function () { renderDetail(state.selected, { text: t("error_generic"), error: true }); });
  }

  function renderDetail(listing, message) {
    resultsView.hidden = true;
    detailView.hidden = false;
    detailView.innerHTML = "";
    detailView.dataset.listingId = listing.id;
    var address = listing.address || {};
    var orgLine = el("dd", { "data-testid": "detail-organization", text: listing.organization_name || "…" });
    if (!listing.organization_name) {
      organizationName(listing.organization_id).then(function (name) { orgLine.textContent = name || "–"; });
    }
    var meta = [
      [el("dt", { text: t("organization") }), orgLine],
      row(t("updated_at"), X.formatDateTime(listing.updated_at)),
      row(t("confirmed_at"), X.formatDateTime(listing.confirmed_at)),
      row(t("expires_at"), X.formatDateTime(listing.expires_at)),
    ];
    if (listing.contact) {
      var c = listing.contact;
      meta.splice(1, 0, [el("dt", { text: t("contact") }), el("dd", { "data-testid": "detail-contact" }, [
        c.name || "",
        c.phone ? el("br") : null, c.phone ? el("a", { href: "tel:" + c.phone, text: c.phone }) : null,
        c.email ? el("br") : null, c.email ? el("a", { href: "mailto:" + c.email, text: c.email }) : null,
      ])]);
    }
    var children = [
      backButton(),
      el("p", { class: "result-badges" }, [
        el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) }),
        el("span", { class: "status status-" + listing.status, "data-testid": "detail-status",
          text: t("status_" + listing.status) }),
        listing.owner_verified === false ? el("span", { class: "status status-unverified",
          "data-testid": "detail-unverified", text: t("owner_unverified") }) : null,
      ]),
      el("h2", { "data-testid": "detail-title", text: listing.title }),
      el("p", { class: "detail-address" }, [
        address.street ? address.street : null,
        address.street ? el("br") : null,
        [address.postal_code, address.city].filter(Boolean).join(" "),
      ]),
      listing.location_precision === "approximate"
        ? el("p", { class: "muted small", text: t("address_hidden") }) : null,
      message ? el("p", { class: "flash" + (message.error ? " flash-error" : ""), role: "status", text: message.text }) : null,
      el("dl", { class: "facts", "data-testid": "detail-facts" }, flatten(factRows(listing))),
      listing.description ? el("h3", { text: t("description") }) : null,
      listing.description ? el("p", { class: "description", text: listing.description }) : null,
      (listing.photos || []).length ? el("h3", { text: t("photos") }) : null,
      photoGallery(listing.photos || []),
      (listing.documents || []).length ? el("h3", { text: t("documents") }) : null,
      documentList(listing.documents || []),
      el("dl", { class: "facts meta" }, flatten(meta)),
      el("div", { class: "actions" }, actionButtons(listing)),
    ];
    children.forEach(function (child) { if (child) detailView.appendChild(child); });
    detailView.scrollTop = 0;
  }

  function contentUrl(document) { return config.api + "/documents/" + document.id + "/content"; }

  /** Thumbnails, each linking to the full image (a download: files are never shown inline). */
  function photoGallery(photos) {
    if (!photos.length) return null;
    return el("ul", { class: "photos", "data-testid": "detail-photos" }, photos.map(function (photo) {
      var preview = photo.has_thumbnail
        ? el("img", { src: config.api + "/documents/" + photo.id + "/thumbnail", alt: photo.filename, loading: "lazy" })
        : photo.filename;
      return el("li", null, el("a", { href: contentUrl(photo), title: photo.filename, download: photo.filename }, preview));
    }));
  }

  function documentList(files) {
    if (!files.length) return null;
    return el("ul", { class: "files", "data-testid": "detail-documents" }, files.map(function (file) {
      return el("li", null, el("a", { href: contentUrl(file), download: file.filename, text: file.filename }));
    }));
  }

  function flatten(rows) {
    return rows.filter(Boolean).reduce(function (all, pair) { return all.concat(pair); }, []);
  }

  // --- live updates -------------------------------------------------------------------------

  function toast(text, listingId) {
    var item = el("div", { class: "toast", role: "status", "data-testid": "toast" }, [
      el("span", { text: text }),
      listingId ? el("button", { type: "button", class: "link", text: t("show"),
        onclick: function () { dismiss(); openDetail(listingId, { center: true }); } }) : null,
      el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
        onclick: function () { dismiss(); } }),
    ]);
    function dismiss() { if (item.parentNode) item.parentNode.removeChild(item); }
    toasts.appendChild(item);
    while (toasts.children.length > 3) toasts.removeChild(toasts.firstChild);
    setTimeout(dismiss, 10000);
  }

  var seenEvents = new Map(); // event key → time, see onListingEvent

  function onListingEvent(payload) {
    if (!payload || !payload.listing) return;
    var listing = payload.listing;
    // One change can reach a socket through two rooms (say, as an official and as the
    // owner): handle it once.
    var key = [payload.event, listing.id, listing.status, listing.updated_at].join("|");
    var now = Date.now();
    seenEvents.forEach(function (time, old) { if (now - time > 60000) seenEvents.delete(old); });
    if (seenEvents.has(key)) return;
    seenEvents.set(key, now);
    var title = listing.title || "";
    if (payload.event === "published") {
      toast(t("toast_published", { title: title }), listing.id);
    } else if (payload.event === "withdrawn") {
      toast(t("toast_withdrawn", { title: title }), null);
    } else if (state.selectedId === listing.id || state.listings.has(listing.id)) {
      toast(t("toast_updated", { title: title }), listing.id);
    }
    if (state.selectedId === listing.id) {
      openDetail(listing.id, { fallback: Object.assign({}, state.selected || {}, listing) });
    }
    // Changes far from the map area leave list and map as they are: with many open maps,
    // each event would otherwise cost every one of them a reload.
    var inView = hasLocation(listing)
      && map.getBounds().contains([listing.location.lat, listing.location.lon]);
    if (inView || state.listings.has(listing.id)) refreshSoon();
  }

  function setLive(live) {
    liveState.dataset.live = live ? "true" : "false";
    liveState.textContent = live ? t("live_on") : t("live_off");
    liveState.title = live ? t("live_on_hint") : t("live_off_hint");
  }

  function connectSocket() {
    if (typeof window.io !== "function") return;
    setLive(false);
    var socket = window.io({ withCredentials: true });
    socket.on("connect", function () {
      setLive(true);
      // After a reconnect, fetch what changed meanwhile.
      if (!state.firstConnect) refresh();
      state.firstConnect = false;
    });
    socket.on("disconnect", function () { setLive(false); });
    socket.on("connect_error", function () { setLive(false); });
    socket.on("listing", onListingEvent);
  }

  // --- start --------------------------------------------------------------------------------

  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  form.addEventListener("change", refreshSoon);
  form.addEventListener("input", refreshSoon);
  form.addEventListener("reset", function () { setTimeout(refresh, 0); });
  loadMore.addEventListener("click", loadNextPage);
  map.on("moveend", refreshSoon);
  X.attachPlaceSearch(document.getElementById("placesearch"), function (found) {
    map.setView([found.lat, found.lon], 13);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.selectedId && !event.target.closest("input, select, textarea")) {
      closeDetail();
    }
  });

  var hadView = restoreFromUrl();
  if (config.listing_id) {
    openDetail(config.listing_id, { center: !hadView });
  }
  refresh();
  connectSocket();
})();
