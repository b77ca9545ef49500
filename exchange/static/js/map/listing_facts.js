/* What the map says about a listing, apart from drawing it: places, rent, facts, rows of
   the detail, and which actions the viewer has. No DOM here. */
import { formatDate, formatMoney, formatNumber, toNumber } from "../common/format.js";
import { t, tn } from "../common/i18n.js";

/** The number on a listing's pin: free beds, or how many a flat takes. */
export function placesOf(listing) {
  return listing.kind === "beds" ? listing.free_beds : listing.max_occupants;
}

export function hasLocation(listing) {
  return Boolean(listing.location) && listing.location.lat !== null && listing.location.lat !== undefined;
}

/** Cold rent plus utilities; null without a rent. */
export function totalRent(listing) {
  const cold = toNumber(listing.rent_cold);
  if (cold === null) return null;
  return cold + (toNumber(listing.utilities) || 0);
}

export function placeLine(listing) {
  const address = listing.address || {};
  return [address.postal_code, address.city].filter(Boolean).join(" ");
}

/** "available now" or "from <date>" for flats; nothing for beds. `today` is YYYY-MM-DD. */
export function availability(listing, today = new Date().toISOString().slice(0, 10)) {
  const from = listing.kind === "beds" ? null : listing.available_from;
  if (!from) return listing.kind === "beds" ? "" : t("available_now");
  return from <= today ? t("available_now") : t("available_from_short", { date: formatDate(from) });
}

/** The facts line of a result. */
export function facts(listing) {
  const parts = [];
  if (listing.kind === "beds") {
    if (listing.free_beds !== null && listing.free_beds !== undefined) {
      parts.push(tn("free_beds", listing.free_beds));
    }
    if (listing.accessible_beds) parts.push(t("accessible_beds_short", { n: listing.accessible_beds }));
  } else {
    if (listing.rooms) parts.push(tn("rooms_short", listing.rooms));
    if (listing.area_m2) parts.push(t("area_short", { n: formatNumber(listing.area_m2, 0) }));
    if (listing.max_occupants) parts.push(tn("occupants_short", listing.max_occupants));
    const total = totalRent(listing);
    if (total !== null) parts.push(t("rent_total_short", { amount: formatMoney(total) }));
    if (listing.accessible) parts.push(t("accessible"));
  }
  return parts.join(" · ");
}

function yesNo(value) {
  if (value === null || value === undefined) return null;
  return value ? t("yes") : t("no");
}

/** The detail's facts as [label, text] pairs; empty values are left out. */
export function factRows(listing) {
  const rows = [];
  const row = (label, value) => {
    if (value !== null && value !== undefined && value !== "") rows.push([label, String(value)]);
  };
  if (listing.kind === "beds") {
    row(t("free_beds"), formatNumber(listing.free_beds, 0));
    const policy = listing.beds_by_policy || {};
    const split = ["male", "female", "family", "mixed"].filter((key) => policy[key])
      .map((key) => formatNumber(policy[key], 0) + " " + t("policy_" + key));
    row(t("beds_by_policy"), split.join(", "));
    row(t("accessible_beds"), formatNumber(listing.accessible_beds, 0));
    row(t("valid_until"), formatDate(listing.valid_until));
    if (listing.source) row(t("source"), t("source_" + listing.source));
  } else {
    row(t("rooms"), formatNumber(listing.rooms));
    row(t("area_m2"), listing.area_m2 ? t("area_short", { n: formatNumber(listing.area_m2) }) : "");
    row(t("max_occupants"), formatNumber(listing.max_occupants, 0));
    row(t("rent_cold"), formatMoney(listing.rent_cold));
    row(t("utilities"), formatMoney(listing.utilities));
    const total = totalRent(listing);
    row(t("rent_total"), total === null ? "" : formatMoney(total));
    row(t("available_from"), listing.available_from ? formatDate(listing.available_from) : t("available_now"));
    row(t("available_until"), formatDate(listing.available_until));
    if (listing.fits_households) {
      row(t("fits_households"), listing.fits_households.length
        ? t("fits_sizes", { sizes: listing.fits_households.join(", ") }) : t("fits_none"));
    }
    row(t("accessible"), yesNo(listing.accessible));
    row(t("furnished"), yesNo(listing.furnished));
    row(t("pets_allowed"), yesNo(listing.pets_allowed));
  }
  return rows;
}

/** Whether the viewer may edit the listing: the owner, or a manager of its organisation. */
export function canEdit(listing, viewer) {
  return listing.owner_id === viewer.user_id
    || viewer.managed_organization_ids.indexOf(listing.organization_id) >= 0;
}

const ACTIVE = ["published", "reserved"];

/** The detail's buttons, in order: edit, the status moves the viewer may make, a transfer
    request (officials, for free beds elsewhere) and sharing in chat. */
export function detailActions(listing, viewer) {
  const mine = canEdit(listing, viewer);
  const published = listing.status === "published";
  const actions = [];
  if (mine) actions.push("edit");
  if (mine && ["draft", "withdrawn", "expired"].indexOf(listing.status) >= 0) actions.push("publish");
  if (mine && published) actions.push("confirm");
  if (!mine && viewer.is_official && published) actions.push("reserve");
  if (!mine && viewer.is_official && listing.kind === "beds" && published && listing.free_beds > 0) {
    actions.push("transfer");
  }
  if (mine && listing.status === "reserved") actions.push("let");
  if (mine && ACTIVE.indexOf(listing.status) >= 0) actions.push("withdraw");
  if (ACTIVE.indexOf(listing.status) >= 0) actions.push("share");
  return actions;
}
