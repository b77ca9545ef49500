// common/place_search.js: the place search's queries, suggestions, keyboard, the place
// names that fit on the map and the radius ("Umkreis") parameters. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bboxParam, exactPostcode, fittingLabels, fromGazetteer, labelsPath, labelText, mergePlaces, moveActive,
  parseNear, placesPath, radiusParams, searchable, townNamed, whereText,
} from "../../exchange/static/js/common/place_search.js";

const OSNABRUECK = { kind: "town", name: "Osnabrück", state: "Niedersachsen", postal_code: "49074", label: "Osnabrück", lat: 52.27, lon: 8.04, postcode_count: 9 };
const PLZ_49074 = { kind: "postcode", name: "Osnabrück", state: "Niedersachsen", postal_code: "49074", label: "49074 Osnabrück", lat: 52.27, lon: 8.05, postcode_count: 9 };

test("a query is asked with two letters or two digits", () => {
  assert.equal(searchable("Os"), true);
  assert.equal(searchable("49"), true);
  assert.equal(searchable("Ö"), false);
  assert.equal(searchable(" 4 "), false);
  assert.equal(searchable(""), false);
});

test("the paths of the search and the place names are encoded", () => {
  assert.equal(placesPath(" Osnabrück ", 5), "/places?q=Osnabr%C3%BCck&limit=5");
  assert.equal(labelsPath("7.00000,52.00000,8.00000,53.00000"), "/places/labels?bbox=7.00000,52.00000,8.00000,53.00000&limit=40");
  assert.equal(labelsPath("7,52,8,53", 80, 12.4), "/places/labels?bbox=7,52,8,53&limit=80&zoom=12");
  assert.equal(bboxParam(-200, 52, 8, 100), "-180.00000,52.00000,8.00000,90.00000");
});

test("the map writes a town's name, a postcode's digits, and where its centre is", () => {
  assert.equal(labelText(OSNABRUECK), "Osnabrück");
  assert.equal(labelText(PLZ_49074), "49074");
  assert.equal(whereText(PLZ_49074), "49074 Osnabrück, Niedersachsen");
  assert.equal(whereText(null), "");
});

test("a postcode suggestion fills the postcode, a town's does not", () => {
  assert.deepEqual(fromGazetteer(PLZ_49074), {
    lat: 52.27, lon: 8.05, label: "49074 Osnabrück", detail: "Niedersachsen", kind: "postcode",
    postal_code: "49074", city: "Osnabrück", street: "",
  });
  assert.equal(fromGazetteer(OSNABRUECK).postal_code, "");
});

test("the gazetteer's suggestions come first, the geocoder's only where they differ", () => {
  const local = [fromGazetteer(OSNABRUECK)];
  const external = [{ label: "osnabrück" }, { label: "Am Markt 1, 49074 Osnabrück" }];
  assert.deepEqual(mergePlaces(local, external, 10).map((p) => p.label), ["Osnabrück", "Am Markt 1, 49074 Osnabrück"]);
  assert.equal(mergePlaces(local, external, 1).length, 1);
  assert.deepEqual(mergePlaces(local, undefined, 5).map((p) => p.label), ["Osnabrück"]);
});

test("arrow keys move through the suggestions and wrap around", () => {
  assert.equal(moveActive(-1, 3, "ArrowDown"), 0);
  assert.equal(moveActive(2, 3, "ArrowDown"), 0);
  assert.equal(moveActive(0, 3, "ArrowUp"), 2);
  assert.equal(moveActive(-1, 3, "ArrowUp"), 2);
  assert.equal(moveActive(1, 3, "End"), 2);
  assert.equal(moveActive(1, 3, "Home"), 0);
  assert.equal(moveActive(1, 3, "a"), 1);
  assert.equal(moveActive(0, 0, "ArrowDown"), -1);
});

test("the listing form finds the exact postcode, or the town of that name", () => {
  assert.equal(exactPostcode([OSNABRUECK, PLZ_49074], "49074"), PLZ_49074);
  assert.equal(exactPostcode([PLZ_49074], "4907"), null);
  assert.equal(exactPostcode([PLZ_49074], "49076"), null);
  assert.equal(townNamed([PLZ_49074, OSNABRUECK], " osnabrück "), OSNABRUECK);
  assert.equal(townNamed([OSNABRUECK], ""), null);
});

test("place names that would overlap leave out the smaller town", () => {
  const items = [
    { kind: "town", name: "Osnabrück", x: 100, y: 100 },
    { kind: "town", name: "Belm", x: 120, y: 104 },     // on top of Osnabrück's label: left out
    { kind: "town", name: "Bramsche", x: 90, y: 40 },    // well above: kept
  ];
  const kept = fittingLabels(items, (item) => ({ x: item.x, y: item.y }), 7, 9);
  assert.deepEqual(kept.map((item) => item.name), ["Osnabrück", "Bramsche"]);
});

test("a radius around a place asks near, radius_km and the nearest first", () => {
  assert.deepEqual(radiusParams({ lat: 52.2799, lon: 8.0472 }, "25"), {
    near: "52.27990,8.04720", radius_km: "25", sort: "distance",
  });
  assert.deepEqual(radiusParams(null, "25"), {});
  assert.deepEqual(radiusParams({ lat: 52, lon: 8 }, ""), {});
  assert.deepEqual(parseNear("52.2799,8.0472"), { lat: 52.2799, lon: 8.0472 });
  assert.equal(parseNear("52.2"), null);
  assert.equal(parseNear(null), null);
});
