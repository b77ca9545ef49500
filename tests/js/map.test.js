// map/: filters and the address bar, clusters on screen, what a listing's detail says and
// offers, live events. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { useLanguage } from "../../exchange/static/js/common/format.js";
import { useStrings } from "../../exchange/static/js/common/i18n.js";
import { clusterSize, mergeOverlapping } from "../../exchange/static/js/map/clusters.js";
import { eventToast, makeRepeatFilter } from "../../exchange/static/js/map/events.js";
import { atParam, bboxParam, filtersFrom, pagePath, parseAt } from "../../exchange/static/js/map/filters.js";
import {
  availability, canEdit, detailActions, factRows, facts, hasLocation, placeLine, placesOf, totalRent,
} from "../../exchange/static/js/map/listing_facts.js";

const NBSP = "\u00a0";

useLanguage("de");
useStrings({
  free_beds: "Freie Betten", free_beds_one: "{n} freies Bett", free_beds_other: "{n} freie Betten",
  accessible_beds_short: "{n} barrierefrei", rooms_short_one: "{n} Zimmer", rooms_short_other: "{n} Zimmer",
  area_short: "{n} m²", occupants_short_one: "{n} Person", occupants_short_other: "{n} Personen",
  rent_total_short: "{amount} warm", accessible: "barrierefrei",
  available_now: "sofort frei", available_from_short: "ab {date}",
  rooms: "Zimmer", area_m2: "Fläche", max_occupants: "Personen", rent_cold: "Kaltmiete",
  utilities: "Nebenkosten", rent_total: "Warmmiete", available_from: "Frei ab", available_until: "Frei bis",
  furnished: "Möbliert", pets_allowed: "Haustiere", yes: "ja", no: "nein",
  accessible_beds: "Barrierefreie Betten", beds_by_policy: "Belegung", policy_male: "Männer", policy_family: "Familien",
  valid_until: "Gültig bis", source: "Quelle", source_registry: "Register",
  fits_households: "Angemessen für", fits_sizes: "Haushalte mit {sizes} Personen",
  fits_none: "keine Haushaltsgröße",
});

function formData(values) {
  return { get: (name) => (name in values ? values[name] : null) };
}

test("the filters that have a value, trimmed; accessible as true", () => {
  assert.deepEqual(filtersFrom(formData({ kind: "flat", min_beds: " ", max_rent: " 800 ", available_by: "" })),
    { kind: "flat", max_rent: "800" });
  assert.deepEqual(filtersFrom(formData({ accessible: "on" })), { accessible: "true" });
  assert.deepEqual(filtersFrom(formData({})), {});
  assert.deepEqual(filtersFrom(formData({ fits_household: "4" })), { fits_household: "4" });
});

test("a flat's detail says for which household sizes it is appropriate", () => {
  const rows = new Map(factRows({ kind: "flat", fits_households: [3, 4] }));
  assert.equal(rows.get("Angemessen für"), "Haushalte mit 3, 4 Personen");
  assert.equal(new Map(factRows({ kind: "flat", fits_households: [] })).get("Angemessen für"),
    "keine Haushaltsgröße");
  assert.equal(new Map(factRows({ kind: "flat" })).has("Angemessen für"), false);
});

test("the map area as bbox, clamped to the world", () => {
  assert.equal(bboxParam(7.123456, 52.1, 8.5, 52.9), "7.12346,52.10000,8.50000,52.90000");
  assert.equal(bboxParam(-200, -95, 250, 91), "-180.00000,-90.00000,180.00000,90.00000");
});

test("?at= round-trips the view; anything broken is no view", () => {
  const at = atParam(11, 52.51234567, 7.3);
  assert.equal(at, "11/52.5123/7.3000");
  assert.deepEqual(parseAt(at), { zoom: 11, lat: 52.5123, lon: 7.3 });
  assert.equal(parseAt(null), null);
  assert.equal(parseAt("11/52.5"), null);
  assert.equal(parseAt("11/x/7"), null);
});

test("the address bar names the open listing", () => {
  assert.equal(pagePath(42, "/map/listings/0", "/map"), "/map/listings/42");
  assert.equal(pagePath(null, "/map/listings/0", "/map"), "/map");
});

test("cluster circles grow with the count, up to 64 pixels", () => {
  assert.equal(clusterSize(1), 30);
  assert.equal(clusterSize(10), 42);
  assert.equal(clusterSize(100), 54);
  assert.equal(clusterSize(1e6), 64);
});

const flat = (x, y) => ({ x, y });

test("clusters overlapping on screen become one, weighted by count; far ones stay", () => {
  const clusters = [
    { lat: 0, lon: 0, count: 10, free_beds: 4 },
    { lat: 0, lon: 30, count: 30, free_beds: 6 },
    { lat: 0, lon: 500, count: 1, listing_id: 9 },
  ];
  const before = JSON.stringify(clusters);
  const merged = mergeOverlapping(clusters, (lat, lon) => flat(lon, lat));
  assert.equal(JSON.stringify(clusters), before, "the input is left as it is");
  assert.equal(merged.length, 2);
  assert.deepEqual(merged[0], { lat: 0, lon: 22.5, count: 40, free_beds: 10 });
  assert.deepEqual(merged[1], { lat: 0, lon: 500, count: 1, listing_id: 9 });
});

test("circles that only nearly touch stay apart (radii 21 and 24: apart beyond 40.5 px)", () => {
  const project = (lat, lon) => flat(lon, lat);
  const pair = (gap) => [{ lat: 0, lon: 0, count: 10 }, { lat: 0, lon: gap, count: 30 }];
  assert.equal(mergeOverlapping(pair(42), project).length, 2);
  assert.equal(mergeOverlapping(pair(40), project).length, 1);
});

test("a merged single listing is no longer that listing", () => {
  const merged = mergeOverlapping([
    { lat: 0, lon: 0, count: 1, listing_id: 1 },
    { lat: 0, lon: 10, count: 1, listing_id: 2 },
  ], (lat, lon) => flat(lon, lat));
  assert.equal(merged.length, 1);
  assert.equal(merged[0].count, 2);
  assert.equal("listing_id" in merged[0], false);
});

const bedsListing = { id: 1, kind: "beds", free_beds: 12, accessible_beds: 2, status: "published",
  owner_id: 7, organization_id: 3, beds_by_policy: { male: 8, family: 4 }, source: "registry",
  valid_until: "2026-12-31", address: { postal_code: "49808", city: "Lingen (Ems)" },
  location: { lat: 52.5, lon: 7.3 } };
const flatListing = { id: 2, kind: "flat", rooms: "3.0", area_m2: "72.5", max_occupants: 4,
  rent_cold: "650.00", utilities: "150.50", accessible: true, furnished: false, pets_allowed: null,
  available_from: "2026-05-01", status: "published", owner_id: 8, organization_id: 4,
  location: { lat: null, lon: null } };

test("pins, places, rents and availability", () => {
  assert.equal(placesOf(bedsListing), 12);
  assert.equal(placesOf(flatListing), 4);
  assert.equal(hasLocation(bedsListing), true);
  assert.equal(hasLocation(flatListing), false);
  assert.equal(hasLocation({}), false);
  assert.equal(placeLine(bedsListing), "49808 Lingen (Ems)");
  assert.equal(placeLine(flatListing), "");
  assert.equal(totalRent(flatListing), 800.5);
  assert.equal(totalRent({ rent_cold: "500", utilities: null }), 500);
  assert.equal(totalRent({}), null);
  assert.equal(availability(flatListing, "2026-04-01"), "ab 01.05.2026");
  assert.equal(availability(flatListing, "2026-05-01"), "sofort frei");
  assert.equal(availability({ kind: "flat" }), "sofort frei");
  assert.equal(availability(bedsListing), "");
});

test("the facts line of a result", () => {
  assert.equal(facts(bedsListing), "12 freie Betten · 2 barrierefrei");
  assert.equal(facts(flatListing), "3 Zimmer · 73 m² · 4 Personen · 800,50" + NBSP + "€ warm · barrierefrei");
  assert.equal(facts({ kind: "beds", free_beds: 1 }), "1 freies Bett");
});

test("the detail's rows leave out what is not known", () => {
  assert.deepEqual(factRows(bedsListing), [
    ["Freie Betten", "12"], ["Belegung", "8 Männer, 4 Familien"], ["Barrierefreie Betten", "2"],
    ["Gültig bis", "31.12.2026"], ["Quelle", "Register"],
  ]);
  const rows = new Map(factRows(flatListing));
  assert.equal(rows.get("Kaltmiete"), "650" + NBSP + "€");
  assert.equal(rows.get("Warmmiete"), "800,50" + NBSP + "€");
  assert.equal(rows.get("Möbliert"), "nein");
  assert.equal(rows.has("Haustiere"), false);
  assert.equal(rows.has("Frei bis"), false);
  assert.equal(new Map(factRows({ kind: "flat" })).get("Frei ab"), "sofort frei");
});

const official = { user_id: 1, is_official: true, managed_organization_ids: [] };

test("the viewer's actions: the owner's status moves, an official's reserve and transfer", () => {
  const owner = { user_id: 7, is_official: false, managed_organization_ids: [] };
  const manager = { user_id: 99, is_official: true, managed_organization_ids: [3] };
  assert.equal(canEdit(bedsListing, owner), true);
  assert.equal(canEdit(bedsListing, manager), true);
  assert.equal(canEdit(bedsListing, official), false);
  assert.deepEqual(detailActions(bedsListing, owner), ["edit", "confirm", "withdraw", "share"]);
  assert.deepEqual(detailActions(bedsListing, official), ["reserve", "transfer", "share"]);
  assert.deepEqual(detailActions({ ...bedsListing, free_beds: 0 }, official), ["reserve", "share"]);
  assert.deepEqual(detailActions(flatListing, official), ["reserve", "share"]);
  assert.deepEqual(detailActions({ ...flatListing, status: "reserved" }, { ...official, user_id: 8 }),
    ["edit", "let", "withdraw", "share"]);
  assert.deepEqual(detailActions({ ...flatListing, status: "draft" }, { ...official, user_id: 8 }),
    ["edit", "publish"]);
  assert.deepEqual(detailActions({ ...flatListing, status: "expired" }, official), []);
});

test("the same event through two rooms is handled once; after a minute it counts again", () => {
  let now = 0;
  const isRepeat = makeRepeatFilter(() => now);
  const payload = { event: "updated", listing: { id: 1, status: "published", updated_at: "t1" } };
  assert.equal(isRepeat(payload), false);
  assert.equal(isRepeat(payload), true);
  assert.equal(isRepeat({ ...payload, listing: { ...payload.listing, updated_at: "t2" } }), false);
  now = 60001;
  assert.equal(isRepeat(payload), false);
});

test("toasts: new and withdrawn listings always, updates only of what the map shows", () => {
  assert.deepEqual(eventToast("published", false), { key: "toast_published", show: true });
  assert.deepEqual(eventToast("withdrawn", true), { key: "toast_withdrawn", show: false });
  assert.deepEqual(eventToast("updated", true), { key: "toast_updated", show: true });
  assert.equal(eventToast("updated", false), null);
});
