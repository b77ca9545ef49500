/* The listing form's fields and the API body they make. No DOM here: `read(name)` gives a
   field's trimmed value, `checked(name)` a checkbox's state. */

export const DECIMAL_FIELDS = ["rooms", "area_m2", "rent_cold", "utilities"];
export const INTEGER_FIELDS = { flat: ["max_occupants"], beds: ["free_beds", "accessible_beds"] };
export const DATE_FIELDS = { flat: ["available_from", "available_until"], beds: ["valid_until"] };
export const FLAGS = ["accessible", "furnished", "pets_allowed"];
export const POLICIES = ["male", "female", "family", "mixed"];

/** Every field that holds a plain value of the listing (decimals, integers, dates). */
export const VALUE_FIELDS = DECIMAL_FIELDS.concat(INTEGER_FIELDS.flat, INTEGER_FIELDS.beds,
  DATE_FIELDS.flat, DATE_FIELDS.beds);

/** The body of POST /listings (editing: false) or PATCH /listings/{id} (editing: true).
    On edit an emptied field is sent as null (cleared); on create it is left out. Kind and
    organisation are only sent on create. */
export function listingBody({ read, checked, kind, editing, organizationId }) {
  const data = {
    title: read("title"),
    description: read("description"),
    address: { street: read("street"), postal_code: read("postal_code"), city: read("city") },
    location: { lat: parseFloat(read("lat")), lon: parseFloat(read("lon")) },
  };
  function put(name, parsed) {
    if (parsed !== null) data[name] = parsed;
    else if (editing) data[name] = null;
  }
  if (kind === "flat") {
    DECIMAL_FIELDS.forEach((name) => { put(name, read(name) || null); });
    FLAGS.forEach((name) => { data[name] = checked(name); });
  } else {
    const policy = {};
    POLICIES.forEach((key) => {
      const value = read("beds_" + key);
      if (value !== "") policy[key] = parseInt(value, 10);
      else if (editing) policy[key] = null;
    });
    if (Object.keys(policy).length || editing) data.beds_by_policy = policy;
  }
  INTEGER_FIELDS[kind].forEach((name) => {
    put(name, read(name) === "" ? null : parseInt(read(name), 10));
  });
  DATE_FIELDS[kind].forEach((name) => { put(name, read(name) || null); });
  if (!editing) {
    data.kind = kind;
    if (organizationId !== null && organizationId !== undefined) data.organization_id = organizationId;
  }
  return data;
}

/** Latitude and longitude typed into the form, or null unless both are numbers on Earth. */
export function typedCoordinates(latText, lonText) {
  const lat = parseFloat(latText);
  const lon = parseFloat(lonText);
  if (isNaN(lat) || isNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) return null;
  return { lat, lon };
}

/** The kinds an organisation may offer (a landlord without one: flats). */
export function allowedKinds(organization) {
  return organization ? organization.kinds : ["flat"];
}
