// capacity/: bar shares, bed states, names, error texts, activities, the import report.
// Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { useStrings } from "../../exchange/static/js/common/i18n.js";
import {
  bedState, duplicateOf, encodingLabel, errorText, heldBeds, importVerdict, isImportReport, isOverdue, percent,
  personLabel,
} from "../../exchange/static/js/capacity/logic.js";

useStrings({ error_fields: "Bitte prüfen", error_conflict: "Konflikt", error_generic: "Fehler" });

test("a bar part's width is its share of the total", () => {
  assert.equal(percent(1, 3), "33.33%");
  assert.equal(percent(5, 5), "100.00%");
  assert.equal(percent(3, 0), "0%");
});

test("beds are occupied, free when available and empty, else blocked", () => {
  assert.equal(bedState({ occupied: true, status: "available" }), "occupied");
  assert.equal(bedState({ occupied: false, status: "available" }), "free");
  assert.equal(bedState({ occupied: false, status: "blocked" }), "blocked");
  assert.equal(bedState({ occupied: false, status: "maintenance" }), "blocked");
});

test("persons are named family name first", () => {
  assert.equal(personLabel({ family_name: "Haddad", given_names: "Rami" }), "Haddad, Rami");
  assert.equal(personLabel({ family_name: "Haddad", given_names: "" }), "Haddad");
});

test("a 422 names its first field; other answers get their status's text", () => {
  assert.equal(errorText({ status: 422, data: { errors: { json: { bed_id: ["Belegt."] } } } }),
    "Bitte prüfen (bed_id: Belegt.)");
  assert.equal(errorText({ status: 422, data: { errors: { form: { file: "Leer." } } } }),
    "Bitte prüfen (file: Leer.)");
  assert.equal(errorText({ status: 409, data: { errors: { json: { x: ["y"] } } } }), "Konflikt");
  assert.equal(errorText(null), "Fehler");
});

test("an open activity due before today is overdue; a done one never", () => {
  // Dates from today (the function takes "today" as an argument): any day works.
  const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  const today = day(0);
  assert.equal(isOverdue({ status: "open", due_date: day(-1) }, today), true);
  assert.equal(isOverdue({ status: "open", due_date: today }, today), false);
  assert.equal(isOverdue({ status: "done", due_date: day(-1) }, today), false);
  assert.equal(isOverdue({ status: "open", due_date: null }, today), false);
});

test("the import report: counts or an error, its verdict, duplicates named", () => {
  assert.equal(isImportReport({ created: 0 }), true);
  assert.equal(isImportReport({ message: "Nicht erlaubt" }), false);
  assert.equal(isImportReport(null), false);
  assert.deepEqual(importVerdict({ errors: [{ row: 3 }] }, true), { key: "import_errors", ok: false });
  assert.deepEqual(importVerdict({ errors: [] }, true), { key: "import_dry_ok", ok: true });
  assert.deepEqual(importVerdict({}, false), { key: "import_ok", ok: true });
  assert.deepEqual(duplicateOf({ person_id: 5, name: "Haddad, Rami" }), { id: 5, who: "Haddad, Rami" });
  assert.deepEqual(duplicateOf({ existing_id: 6, external_id: "A-17" }), { id: 6, who: "A-17" });
  assert.deepEqual(duplicateOf({ id: 7 }), { id: 7, who: "#7" });
  assert.deepEqual(duplicateOf({}), { id: undefined, who: "" });
  assert.equal(encodingLabel("windows-1252"), "Windows-1252");
  assert.equal(encodingLabel("utf-8"), "UTF-8");
});

test("heldBeds: the first free beds in plan order stand for the held ones", () => {
  const rooms = [
    { beds: [{ id: 1, occupied: true, status: "available" }, { id: 2, occupied: false, status: "available" }] },
    { beds: [{ id: 3, occupied: false, status: "blocked" }, { id: 4, occupied: false, status: "available" },
      { id: 5, occupied: false, status: "available" }] },
  ];
  assert.deepEqual([...heldBeds(rooms, 2)], [2, 4]);
  assert.deepEqual([...heldBeds(rooms, 0)], []);
  assert.deepEqual([...heldBeds(rooms, 9)], [2, 4, 5]);
});
