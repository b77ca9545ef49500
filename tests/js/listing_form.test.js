// listing_form/: the API body from the form, the API's errors at the form's fields, typed
// coordinates, kinds, attachment kinds. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { attachmentKind } from "../../exchange/static/js/listing_form/attachments.js";
import { fieldErrors, flattenErrors } from "../../exchange/static/js/listing_form/errors.js";
import { allowedKinds, listingBody, typedCoordinates } from "../../exchange/static/js/listing_form/fields.js";

function form(values, checks = {}) {
  return { read: (name) => values[name] || "", checked: (name) => Boolean(checks[name]) };
}

const place = { title: "Drei Zimmer", description: "", street: "Am Wall 3", postal_code: "49808",
  city: "Lingen", lat: "52.52", lon: "7.32" };

test("a new flat: given numbers parsed, empty ones left out, kind and organisation sent", () => {
  const body = listingBody({ ...form({ ...place, rooms: "3", max_occupants: "4", available_from: "2026-05-01" },
    { furnished: true }), kind: "flat", editing: false, organizationId: 9 });
  assert.deepEqual(body, {
    title: "Drei Zimmer", description: "",
    address: { street: "Am Wall 3", postal_code: "49808", city: "Lingen" },
    location: { lat: 52.52, lon: 7.32 },
    rooms: "3", accessible: false, furnished: true, pets_allowed: false,
    max_occupants: 4, available_from: "2026-05-01", kind: "flat", organization_id: 9,
  });
  const withoutOrg = listingBody({ ...form(place), kind: "flat", editing: false, organizationId: null });
  assert.equal("organization_id" in withoutOrg, false);
});

test("editing sends emptied fields as null and neither kind nor organisation", () => {
  const body = listingBody({ ...form({ ...place, free_beds: "10", beds_male: "6" }), kind: "beds",
    editing: true, organizationId: 9 });
  assert.equal(body.free_beds, 10);
  assert.equal(body.accessible_beds, null);
  assert.equal(body.valid_until, null);
  assert.deepEqual(body.beds_by_policy, { male: 6, female: null, family: null, mixed: null });
  assert.equal("kind" in body, false);
  assert.equal("organization_id" in body, false);
  assert.equal("rooms" in body, false, "a flat's fields are not sent for beds");
});

test("new beds without a split by occupancy send none", () => {
  const body = listingBody({ ...form({ ...place, free_beds: "10" }), kind: "beds", editing: false });
  assert.equal("beds_by_policy" in body, false);
  assert.equal("accessible_beds" in body, false);
  assert.equal(body.kind, "beds");
});

test("nested API errors are flattened to dotted names and placed at the form's fields", () => {
  const errors = { address: { postal_code: ["Fünf Ziffern."] }, beds_by_policy: { male: ["Zu viele."] },
    title: ["Fehlt.", "Zu kurz."], location: "Außerhalb." };
  assert.deepEqual(flattenErrors(errors), [
    ["address.postal_code", "Fünf Ziffern."], ["beds_by_policy.male", "Zu viele."],
    ["title", "Fehlt."], ["title", "Zu kurz."], ["location", "Außerhalb."],
  ]);
  assert.deepEqual(fieldErrors({ errors: { json: errors } }), [
    ["postal_code", "Fünf Ziffern."], ["beds_male", "Zu viele."],
    ["title", "Fehlt."], ["title", "Zu kurz."], ["lat", "Außerhalb."],
  ]);
  assert.deepEqual(fieldErrors({ errors: { query: { bbox: ["Falsch."] } } }), [["bbox", "Falsch."]]);
  assert.deepEqual(fieldErrors({ message: "Konflikt" }), []);
  assert.deepEqual(fieldErrors(null), []);
});

test("typed coordinates count only when both are numbers on Earth", () => {
  assert.deepEqual(typedCoordinates("52.5", "7.3"), { lat: 52.5, lon: 7.3 });
  assert.equal(typedCoordinates("52.5", ""), null);
  assert.equal(typedCoordinates("91", "7"), null);
  assert.equal(typedCoordinates("52", "-181"), null);
});

test("kinds by organisation, attachments by type", () => {
  assert.deepEqual(allowedKinds(null), ["flat"]);
  assert.deepEqual(allowedKinds({ kinds: ["beds", "flat"] }), ["beds", "flat"]);
  assert.equal(attachmentKind("image/webp"), "photo");
  assert.equal(attachmentKind("image/svg+xml"), "document");
  assert.equal(attachmentKind("application/pdf"), "document");
});
