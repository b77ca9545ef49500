/* The optional place search (GEOCODER_URL): what to ask and how to read the answer.
   No DOM here (see places.js). */

/** The request URL: `{q}` in the configured URL is replaced by the query; otherwise
    q=…&format=json and Nominatim's options are appended. */
export function geocoderUrl(base, q) {
  const encoded = encodeURIComponent(q);
  if (base.indexOf("{q}") >= 0) return base.replace("{q}", encoded);
  return base + (base.indexOf("?") >= 0 ? "&" : "?") + "q=" + encoded
    + "&format=json&addressdetails=1&limit=6&countrycodes=de";
}

function streetOf(street, number) {
  return street ? street + (number ? " " + number : "") : "";
}

/** Places {lat, lon, label, street, postal_code, city} from an answer like Nominatim's (a
    list of {lat, lon, display_name, address}) or Photon's (GeoJSON features); rows
    without coordinates are left out. */
export function placesFromAnswer(data) {
  const rows = Array.isArray(data) ? data : (data && data.features) || [];
  return rows.map((row) => {
    if (row.geometry) { // Photon / GeoJSON
      const p = row.properties || {};
      return {
        lat: row.geometry.coordinates[1], lon: row.geometry.coordinates[0],
        label: [p.name, p.street && streetOf(p.street, p.housenumber), p.postcode, p.city]
          .filter(Boolean).join(", "),
        street: streetOf(p.street, p.housenumber),
        postal_code: p.postcode || "", city: p.city || p.name || "",
      };
    }
    const a = row.address || {};
    return {
      lat: parseFloat(row.lat), lon: parseFloat(row.lon), label: row.display_name,
      street: streetOf(a.road, a.house_number),
      postal_code: a.postcode || "",
      city: a.city || a.town || a.village || a.municipality || "",
    };
  }).filter((place) => !isNaN(place.lat) && !isNaN(place.lon));
}
