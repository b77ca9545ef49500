// common/: translations, formatting, the API's query strings and error texts, badges and
// the geocoder's answers. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { errorText, newKey, query } from "../../exchange/static/js/common/api.js";
import { badgeText } from "../../exchange/static/js/common/badge.js";
import {
  formatCount, formatDate, formatMoney, formatNumber, formatPercent, toNumber, useLanguage,
} from "../../exchange/static/js/common/format.js";
import { geocoderUrl, placesFromAnswer } from "../../exchange/static/js/common/geocoder.js";
import { t, tn, useStrings } from "../../exchange/static/js/common/i18n.js";

const NBSP = "\u00a0";

useLanguage("de");
useStrings({
  hello: "Hallo {name}, {missing}",
  beds_one: "{n} Bett",
  beds_other: "{n} Betten",
  error_conflict: "Konflikt",
  error_forbidden: "Verboten",
  error_not_found: "Nicht gefunden",
  error_fields: "Bitte prüfen",
  error_generic: "Fehler",
});

test("t fills placeholders it has values for and keeps the others", () => {
  assert.equal(t("hello", { name: "Anna" }), "Hallo Anna, {missing}");
  assert.equal(t("hello", { name: null }), "Hallo {name}, {missing}");
  assert.equal(t("not_translated"), "not_translated");
});

test("tn picks the singular for exactly one and writes the count the German way", () => {
  assert.equal(tn("beds", 1), "1 Bett");
  assert.equal(tn("beds", 0), "0 Betten");
  assert.equal(tn("beds", 1500), "1.500 Betten");
  assert.equal(tn("beds", 2, { n: "2+" }), "2+ Betten");
});

test("numbers and money in German, whole euros without cents", () => {
  assert.equal(formatNumber(1234.56), "1.234,6");
  assert.equal(formatNumber("3.14159", 2), "3,14");
  assert.equal(formatNumber(""), "");
  assert.equal(formatMoney(650), "650" + NBSP + "€");
  assert.equal(formatMoney("650.5"), "650,50" + NBSP + "€");
  assert.equal(formatMoney(null), "");
  assert.equal(toNumber("x"), null);
  assert.equal(toNumber("0"), 0);
});

test("dates are calendar days without a time zone shift", () => {
  assert.equal(formatDate("2026-11-28"), "28.11.2026");
  assert.equal(formatDate("2026-01-01T23:30:00+00:00"), "01.01.2026");
  assert.equal(formatDate(""), "");
});

test("large counts are shortened, percentages follow the language", () => {
  assert.equal(formatCount(9999), "9.999");
  assert.equal(formatCount(1234567), "1" + NBSP + "Mio.");
  assert.equal(formatPercent(50), "50" + NBSP + "%");
  useLanguage("en");
  try {
    assert.equal(formatPercent(50), "50%");
    assert.equal(formatCount(12345), "12K");
    assert.equal(formatNumber(1234.5), "1,234.5");
    assert.equal(formatDate("2026-11-28"), "Nov 28, 2026");
  } finally {
    useLanguage("de");
  }
});

test("query leaves out empty parameters and encodes the rest", () => {
  assert.equal(query({}), "");
  assert.equal(query({ a: "", b: null, c: undefined }), "");
  assert.equal(query({ q: "Müller & Söhne", limit: 10, zero: 0 }),
    "?q=M%C3%BCller%20%26%20S%C3%B6hne&limit=10&zero=0");
});

test("error answers get the text of their status", () => {
  assert.equal(errorText({ status: 409 }), "Konflikt");
  assert.equal(errorText({ status: 403 }), "Verboten");
  assert.equal(errorText({ status: 404 }), "Nicht gefunden");
  assert.equal(errorText({ status: 422 }), "Bitte prüfen");
  assert.equal(errorText({ status: 500 }), "Fehler");
  assert.equal(errorText({ status: 0 }), "Fehler");
});

test("badges cap at 99+", () => {
  assert.equal(badgeText(0), "0");
  assert.equal(badgeText(99), "99");
  assert.equal(badgeText(100), "99+");
});

test("the geocoder URL takes {q} or gets Nominatim's parameters", () => {
  assert.equal(geocoderUrl("https://geo.example/s?q={q}&x=1", "Am Wall 3"),
    "https://geo.example/s?q=Am%20Wall%203&x=1");
  assert.equal(geocoderUrl("https://geo.example/search", "Lingen"),
    "https://geo.example/search?q=Lingen&format=json&addressdetails=1&limit=6&countrycodes=de");
  assert.equal(geocoderUrl("https://geo.example/search?key=k", "Lingen"),
    "https://geo.example/search?key=k&q=Lingen&format=json&addressdetails=1&limit=6&countrycodes=de");
});

test("Nominatim answers become places; rows without coordinates are dropped", () => {
  const places = placesFromAnswer([
    { lat: "52.52", lon: "7.32", display_name: "Am Wall 3, Lingen",
      address: { road: "Am Wall", house_number: "3", postcode: "49808", town: "Lingen (Ems)" } },
    { lat: "x", lon: "7", display_name: "broken" },
  ]);
  assert.deepEqual(places, [{ lat: 52.52, lon: 7.32, label: "Am Wall 3, Lingen", street: "Am Wall 3",
    postal_code: "49808", city: "Lingen (Ems)" }]);
});

test("Photon answers (GeoJSON) become places with a label made of their parts", () => {
  const places = placesFromAnswer({ features: [
    { geometry: { coordinates: [8.04, 52.27] },
      properties: { name: "Rathaus", street: "Markt", housenumber: "1", postcode: "49074", city: "Osnabrück" } },
    { geometry: { coordinates: [8.0, 52.0] }, properties: { name: "Bramsche" } },
  ] });
  assert.equal(places.length, 2);
  assert.deepEqual(places[0], { lat: 52.27, lon: 8.04, label: "Rathaus, Markt 1, 49074, Osnabrück",
    street: "Markt 1", postal_code: "49074", city: "Osnabrück" });
  assert.equal(places[1].city, "Bramsche");
  assert.equal(places[1].street, "");
  assert.deepEqual(placesFromAnswer(null), []);
});

test("newKey makes a fresh key of visible ASCII for every write", () => {
  const keys = new Set(Array.from({ length: 50 }, () => newKey()));
  assert.equal(keys.size, 50);
  keys.forEach((key) => assert.match(key, /^[\x21-\x7e]{1,100}$/));
});
