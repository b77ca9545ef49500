/* A message that shares a listing shows it as a card: kind, status, facts, place, and for
   officials on the other side a "request" button (the request opens a room with the owner). */
import { api } from "../common/api.js";
import { el } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { toast } from "../common/toasts.js";
import { ui } from "./elements.js";
import { answerMessage, cardFacts, ownSide } from "./format.js";
import { openRoom } from "./pane.js";
import { renderRooms } from "./rooms.js";
import { state, TOAST_MS } from "./state.js";

export function listingUrl(id) { return config.listing_url.replace(/\/0$/, "/" + id); }

function fetchListing(id) {
  const known = state.listings.get(id);
  if (known !== undefined) return Promise.resolve(known);
  const pending = api("GET", "/listings/" + id).then((answer) => {
    const listing = answer.ok ? answer.data : null;
    state.listings.set(id, listing);
    return listing;
  }, () => { state.listings.delete(id); return null; });
  state.listings.set(id, pending);
  return pending;
}

export function listingCard(message) {
  const card = el("div", { class: "listingcard loading", "data-testid": "listing-card",
    dataset: { listingId: message.listing_id, messageId: message.id } },
  el("span", { class: "muted small", text: t("loading") }));
  fetchListing(message.listing_id).then((listing) => { fillCard(card, listing, message); });
  return card;
}

export function refreshCards(listingId) {
  const listing = state.listings.get(listingId);
  ui.messageList.querySelectorAll('.listingcard[data-listing-id="' + listingId + '"]').forEach((card) => {
    const message = state.messages.get(Number(card.dataset.messageId));
    if (message) fillCard(card, listing, message);
  });
}

function fillCard(card, listing, message) {
  card.innerHTML = "";
  card.classList.remove("loading");
  if (!listing || typeof listing.then === "function") {
    card.classList.add("gone");
    card.appendChild(el("span", { class: "muted", text: t("listing_gone") }));
    return;
  }
  const own = ownSide(listing, config);
  card.dataset.kind = listing.kind;
  card.classList.toggle("gone", ["published", "reserved"].indexOf(listing.status) < 0 && !own);
  const address = listing.address || {};
  const place = [address.postal_code, address.city].filter(Boolean).join(" ");
  const actions = [];
  if (config.is_official && listing.status === "published" && !own) {
    actions.push(el("button", { type: "button", class: "kern-btn kern-btn--primary", "data-testid": "listing-request",
      text: t("request"), title: t("request_hint"),
      onclick: (event) => { requestListing(listing, message, event.currentTarget); } }));
  }
  actions.push(el("a", { class: "kern-btn kern-btn--secondary", href: listingUrl(listing.id), text: t("show_on_map") }));
  [
    el("div", { class: "result-badges" }, [
      el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) }),
      el("span", { class: "status status-" + listing.status, "data-testid": "listing-card-status",
        text: t("status_" + listing.status) }),
    ]),
    el("a", { class: "cardtitle", href: listingUrl(listing.id), "data-testid": "listing-card-title", text: listing.title }),
    el("span", { class: "cardfacts", text: cardFacts(listing) }),
    place ? el("span", { class: "cardplace muted", text: place }) : null,
    el("div", { class: "cardactions" }, actions),
  ].forEach((child) => { if (child) card.appendChild(child); });
}

function requestListing(listing, message, button) {
  if (!window.confirm(t("request_question", { title: listing.title }))) return;
  button.disabled = true;
  api("POST", "/listings/" + listing.id + "/request", {
    body: t("request_body", { title: listing.title }),
    message_id: message.id,
  }).then((answer) => {
    button.disabled = false;
    if (answer.status === 409) {
      toast(t("request_conflict"), { timeout: TOAST_MS });
      state.listings.delete(listing.id);
      fetchListing(listing.id).then(() => { refreshCards(listing.id); });
      return;
    }
    if (!answer.ok) { toast(answerMessage(answer), { timeout: TOAST_MS }); return; }
    state.listings.set(listing.id, Object.assign({}, listing, { status: answer.data.listing.status }));
    refreshCards(listing.id);
    const room = answer.data.room;
    state.rooms.set(room.id, room);
    renderRooms();
    toast(t("request_done", { title: listing.title }), { timeout: TOAST_MS });
    openRoom(room.id, { push: true });
  }, () => { button.disabled = false; toast(t("error_generic"), { timeout: TOAST_MS }); });
}
