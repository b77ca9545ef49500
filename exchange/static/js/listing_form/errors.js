/* The API's field errors placed at the form's fields. No DOM here. */

// The API's names for nested fields → the form's field holders (data-field).
const FIELD_ALIASES = {
  "address.street": "street", "address.postal_code": "postal_code", "address.city": "city",
  "location.lat": "lat", "location.lon": "lon", location: "lat", address: "city",
  "beds_by_policy.male": "beds_male", "beds_by_policy.female": "beds_female",
  "beds_by_policy.family": "beds_family", "beds_by_policy.mixed": "beds_mixed",
  beds_by_policy: "beds_male",
};

/** Every message in {"errors": {...}} (lists, nested objects), as [dotted name, text]. */
export function flattenErrors(errors, prefix = "", out = []) {
  Object.keys(errors || {}).forEach((key) => {
    const entry = errors[key];
    const name = prefix ? prefix + "." + key : key;
    if (Array.isArray(entry)) {
      entry.forEach((item) => {
        if (typeof item === "string") out.push([name, item]);
        else flattenErrors(item, name, out);
      });
    } else if (entry && typeof entry === "object") {
      flattenErrors(entry, name, out);
    } else if (entry) {
      out.push([name, String(entry)]);
    }
  });
  return out;
}

/** The form field that shows an error of the API's field `name`. */
export function formFieldOf(name) {
  return FIELD_ALIASES[name] || name;
}

/** The messages of an error answer's body, as [form field, text]. */
export function fieldErrors(data) {
  const errors = data && data.errors;
  if (!errors) return [];
  return flattenErrors(errors.json || errors.query || errors).map(([name, text]) => [formFieldOf(name), text]);
}
