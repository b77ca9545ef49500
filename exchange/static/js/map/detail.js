/* A listing's detail in place of the result list: facts, photos, documents, who offers it,
   and the actions the viewer has (publish, confirm, reserve, let, withdraw, share, …). */
import { api, errorText } from "../common/api.js";
import { el } from "../common/dom.js";
import { focusFirst, holdsFocus, redrawKeepingFocus } from "../common/focus.js";
import { formatDateTime } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { clearSelected, drawSelected, map } from "./layers.js";
import { detailActions, factRows, hasLocation } from "./listing_facts.js";
import { markActive, refresh, refreshSoon, resultOf, writeUrl } from "./results.js";
import { openShare } from "./share.js";
import { state, ui } from "./state.js";

const DETAIL_ZOOM = 13;

function organizationName(id) {
  const known = state.organizations.get(id);
  if (typeof known === "string") return Promise.resolve(known);
  if (known) return known;
  const pending = api("GET", "/organizations/" + id).then((answer) => {
    const name = answer.ok && answer.data ? answer.data.name : "";
    state.organizations.set(id, name);
    return name;
  }, () => { state.organizations.delete(id); return ""; });
  state.organizations.set(id, pending);
  return pending;
}

/** Shows the listing: options.center zooms to it, options.message is a note on top,
    options.fallback is shown when it is gone (what a live event said of it). */
export function openDetail(id, options = {}) {
  state.selectedId = id;
  markActive();
  writeUrl();
  return api("GET", "/listings/" + id).then((answer) => {
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
    // Opened by the user: the keyboard focus follows to the listing's title.
    if (options.focus) focusFirst(ui.detailView, "h2");
    drawSelected();
    if (hasLocation(answer.data)) {
      const point = L.latLng(answer.data.location.lat, answer.data.location.lon);
      if (options.center) {
        map.setView(point, Math.max(map.getZoom(), DETAIL_ZOOM));
      } else if (!map.getBounds().pad(-0.05).contains(point)) {
        map.panTo(point);
      }
    }
  }, () => { renderDetailError({ status: 0 }); });
}

export function closeDetail() {
  // The focus goes back to the listing's result (now, and again once the list is redrawn).
  const closed = state.selectedId;
  const wasInDetail = holdsFocus(ui.detailView);
  state.selectedId = null;
  state.selected = null;
  ui.detailView.hidden = true;
  ui.detailView.innerHTML = "";
  ui.resultsView.hidden = false;
  clearSelected();
  markActive();
  writeUrl();
  if (wasInDetail || document.activeElement === document.body) {
    state.focusListingId = closed;
    if (!focusFirst(ui.resultList, resultOf(closed))) ui.resultCount.focus();
  }
  refresh();
}

function backButton() {
  return el("button", { type: "button", class: "back link", "data-testid": "detail-back",
    text: "← " + t("back"), onclick: closeDetail });
}

function showDetailView() {
  ui.resultsView.hidden = true;
  ui.detailView.hidden = false;
  ui.detailView.innerHTML = "";
}

function renderDetailError(answer) {
  showDetailView();
  ui.detailView.appendChild(backButton());
  ui.detailView.appendChild(el("p", { class: "flash flash-error", text: errorText(answer) }));
}

function row(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return [el("dt", { text: label }), el("dd", { text: String(value) })];
}

function definitions(rows) {
  return rows.filter(Boolean).reduce((all, pair) => all.concat(pair), []);
}

function runAction(id, name) {
  if (name === "reserve") { reserve(id); return; }
  api("POST", "/listings/" + id + "/" + name, {}).then((answer) => {
    if (answer.ok) {
      openDetail(id, { message: { text: t("action_done"), error: false } });
      refreshSoon();
    } else {
      renderDetail(state.selected, { text: (answer.data && answer.data.message) || errorText(answer), error: true });
    }
  }, () => { renderDetail(state.selected, { text: t("error_generic"), error: true }); });
}

/* Reserving hands the listing over to its owner side: they are notified and the
   official continues in the conversation with them (POST /listings/{id}/request). */
function reserve(id) {
  api("POST", "/listings/" + id + "/request", {}).then((answer) => {
    if (answer.ok) {
      window.location.assign(config.room_url.replace("/0", "/" + answer.data.room.id));
    } else {
      renderDetail(state.selected, { text: (answer.data && answer.data.message) || errorText(answer), error: true });
    }
  }, () => { renderDetail(state.selected, { text: t("error_generic"), error: true }); });
}

const ACTION_LABELS = { publish: "publish", confirm: "confirm", reserve: "reserve", let: "let", withdraw: "withdraw" };
const QUESTIONS = { withdraw: "withdraw_question" };

function actionButton(listing, name) {
  if (name === "edit") {
    return el("a", { class: "kern-btn kern-btn--secondary", "data-testid": "detail-edit",
      href: config.edit_url.replace("/0/", "/" + listing.id + "/"), text: t("edit") });
  }
  if (name === "transfer") {
    // A district asks another for beds: the transfer request form (exchange/capacity).
    return el("a", { class: "kern-btn kern-btn--secondary", "data-testid": "detail-transfer",
      href: "/transfers/new?listing_id=" + listing.id, text: t("request_beds") });
  }
  if (name === "share") {
    return el("button", { type: "button", class: "kern-btn kern-btn--secondary", "data-testid": "detail-share",
      text: t("share"), onclick: (event) => { openShare(listing, event.currentTarget); } });
  }
  return el("button", {
    type: "button", class: name === "publish" ? "kern-btn kern-btn--primary" : "kern-btn kern-btn--secondary",
    "data-testid": "detail-" + name, text: t(ACTION_LABELS[name]),
    onclick: () => {
      if (QUESTIONS[name] && !window.confirm(t(QUESTIONS[name]))) return;
      runAction(listing.id, name);
    },
  });
}

function contact(c) {
  return [el("dt", { text: t("contact") }), el("dd", { "data-testid": "detail-contact" }, [
    c.name || "",
    c.phone ? el("br") : null, c.phone ? el("a", { href: "tel:" + c.phone, text: c.phone }) : null,
    c.email ? el("br") : null, c.email ? el("a", { href: "mailto:" + c.email, text: c.email }) : null,
  ])];
}

/** The detail drawn anew (a live update, an action's answer) keeps the focus on the same
    control, else on its title. */
function renderDetail(listing, message) {
  redrawKeepingFocus(ui.detailView, (active) => (active.dataset.testid
    ? '[data-testid="' + active.dataset.testid + '"]' : "h2"), () => { drawDetail(listing, message); });
}

function drawDetail(listing, message) {
  showDetailView();
  ui.detailView.dataset.listingId = listing.id;
  const address = listing.address || {};
  const orgLine = el("dd", { "data-testid": "detail-organization", text: listing.organization_name || "…" });
  if (!listing.organization_name) {
    organizationName(listing.organization_id).then((name) => { orgLine.textContent = name || "–"; });
  }
  const meta = [
    [el("dt", { text: t("organization") }), orgLine],
    row(t("updated_at"), formatDateTime(listing.updated_at)),
    row(t("confirmed_at"), formatDateTime(listing.confirmed_at)),
    row(t("expires_at"), formatDateTime(listing.expires_at)),
  ];
  if (listing.contact) meta.splice(1, 0, contact(listing.contact));
  const children = [
    backButton(),
    el("p", { class: "result-badges" }, [
      el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) }),
      el("span", { class: "status status-" + listing.status, "data-testid": "detail-status",
        text: t("status_" + listing.status) }),
      listing.owner_verified === false ? el("span", { class: "status status-unverified",
        "data-testid": "detail-unverified", text: t("owner_unverified") }) : null,
    ]),
    el("h2", { "data-testid": "detail-title", tabindex: "-1", text: listing.title }),
    el("p", { class: "detail-address" }, [
      address.street ? address.street : null,
      address.street ? el("br") : null,
      [address.postal_code, address.city].filter(Boolean).join(" "),
    ]),
    listing.location_precision === "approximate"
      ? el("p", { class: "muted small", text: t("address_hidden") }) : null,
    message ? el("p", { class: "flash" + (message.error ? " flash-error" : ""), role: "status", text: message.text }) : null,
    el("dl", { class: "facts", "data-testid": "detail-facts" },
      definitions(factRows(listing).map(([label, value]) => row(label, value)))),
    listing.description ? el("h3", { text: t("description") }) : null,
    listing.description ? el("p", { class: "description", text: listing.description }) : null,
    (listing.photos || []).length ? el("h3", { text: t("photos") }) : null,
    photoGallery(listing.photos || []),
    (listing.documents || []).length ? el("h3", { text: t("documents") }) : null,
    documentList(listing.documents || []),
    el("dl", { class: "facts meta" }, definitions(meta)),
    fittingHouseholds(listing),
    el("div", { class: "actions" }, detailActions(listing, config).map((name) => actionButton(listing, name))),
  ];
  children.forEach((child) => { if (child) ui.detailView.appendChild(child); });
  ui.detailView.scrollTop = 0;
}

/** Flats, for their owner side and officials: how many waiting households fit, by shape
    (counts only, never names); filled in when the answer comes. */
function fittingHouseholds(listing) {
  if (listing.kind !== "flat" || !(config.is_official || listing.contact)) return null;
  const list = el("ul", { class: "fitting", "data-testid": "detail-fitting-households" });
  const section = el("section", null, [el("h3", { text: t("fitting_title") }), list]);
  api("GET", "/listings/" + listing.id + "/fitting-households").then((answer) => {
    if (!answer.ok) { section.remove(); return; }
    const groups = answer.data.groups;
    if (!groups.length) list.appendChild(el("li", { class: "muted", text: t("fitting_none") }));
    groups.forEach((group) => {
      const parts = [t("fitting_group", { n: group.households, size: group.household_size })];
      if (group.needs_step_free) parts.push(t("fitting_step_free", { n: group.needs_step_free }));
      list.appendChild(el("li", { text: parts.join(", ") }));
    });
    if (answer.data.more) list.appendChild(el("li", { class: "muted", text: t("fitting_more") }));
  });
  return section;
}

function contentUrl(file) { return config.api + "/documents/" + file.id + "/content"; }

/** Thumbnails, each linking to the full image (a download: files are never shown inline). */
function photoGallery(photos) {
  if (!photos.length) return null;
  return el("ul", { class: "photos", "data-testid": "detail-photos" }, photos.map((photo) => {
    const preview = photo.has_thumbnail
      ? el("img", { src: config.api + "/documents/" + photo.id + "/thumbnail", alt: photo.filename, loading: "lazy" })
      : photo.filename;
    return el("li", null, el("a", { href: contentUrl(photo), title: photo.filename, download: photo.filename }, preview));
  }));
}

function documentList(files) {
  if (!files.length) return null;
  return el("ul", { class: "files", "data-testid": "detail-documents" }, files.map((file) =>
    el("li", null, el("a", { href: contentUrl(file), download: file.filename, text: file.filename }))));
}
