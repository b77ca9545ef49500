/* Create and edit a listing: the form posts JSON to the API; a draggable pin sets the
   location and stays in sync with the latitude and longitude fields. */
(function () {
  "use strict";

  var X = window.Exchange;
  var t = X.t;
  var config = X.config;
  var form = document.getElementById("listing-form");
  if (!form) return;
  var message = document.getElementById("form-message");
  var listingId = form.dataset.listingId ? Number(form.dataset.listingId) : null;
  var current = null; // the listing being edited, as the API returned it

  var DECIMAL_FIELDS = ["rooms", "area_m2", "rent_cold", "utilities"];
  var INTEGER_FIELDS = {
    flat: ["max_occupants"],
    beds: ["free_beds", "accessible_beds"],
  };
  var DATE_FIELDS = { flat: ["available_from", "available_until"], beds: ["valid_until"] };
  var FLAGS = ["accessible", "furnished", "pets_allowed"];
  var POLICIES = ["male", "female", "family", "mixed"];

  function field(name) { return form.elements[name]; }
  function value(name) { var input = field(name); return input ? input.value.trim() : ""; }
  function kind() { var checked = form.querySelector("input[name=kind]:checked"); return checked ? checked.value : "flat"; }

  // --- the pin ------------------------------------------------------------------------------

  var map = X.createMap(document.getElementById("pinmap"), { scrollWheelZoom: true });
  var pin = null;

  function setPin(lat, lon, options) {
    var point = L.latLng(lat, lon);
    if (!pin) {
      pin = L.marker(point, { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      pin.on("drag dragend", function () { writeCoordinates(pin.getLatLng()); });
    } else {
      pin.setLatLng(point);
    }
    if (options && options.writeFields !== false) writeCoordinates(point);
    if (options && options.zoom) map.setView(point, options.zoom);
  }

  function writeCoordinates(point) {
    field("lat").value = point.lat.toFixed(6);
    field("lon").value = point.lng.toFixed(6);
    clearError("lat");
    clearError("lon");
  }

  function readCoordinates() {
    var lat = parseFloat(value("lat"));
    var lon = parseFloat(value("lon"));
    if (isNaN(lat) || isNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) return;
    setPin(lat, lon, { writeFields: false });
    if (!map.getBounds().contains([lat, lon])) map.panTo([lat, lon]);
  }

  map.on("click", function (event) { setPin(event.latlng.lat, event.latlng.lng, {}); });
  // The end of availability cannot lie before its start (the browser checks, the API too).
  field("available_from").addEventListener("change", function () {
    field("available_until").min = value("available_from");
  });
  field("lat").addEventListener("input", readCoordinates);
  field("lon").addEventListener("input", readCoordinates);

  X.attachPlaceSearch(document.getElementById("placesearch"), function (place) {
    setPin(place.lat, place.lon, { zoom: 16 });
    // Fill in what the place search knows, without overwriting what was typed.
    ["street", "postal_code", "city"].forEach(function (name) {
      if (place[name] && !value(name)) field(name).value = place[name];
    });
  });

  // --- kind and organisation ----------------------------------------------------------------

  function organization() {
    var select = field("organization_id");
    var id = select && select.value ? Number(select.value) : null;
    return (config.organizations || []).find(function (org) { return org.id === id; }) || null;
  }

  function showKind() {
    var chosen = kind();
    form.querySelectorAll("fieldset[data-kind]").forEach(function (fieldset) {
      var active = fieldset.dataset.kind === chosen;
      fieldset.hidden = !active;
      fieldset.disabled = !active; // hidden fields are neither validated nor sent
    });
  }

  function limitKinds() {
    if (listingId) return;
    var org = organization();
    var allowed = org ? org.kinds : ["flat"];
    form.querySelectorAll("input[name=kind]").forEach(function (radio) {
      radio.disabled = allowed.indexOf(radio.value) < 0;
      radio.closest("label").hidden = radio.disabled;
    });
    if (allowed.indexOf(kind()) < 0) {
      form.querySelector("input[name=kind][value=" + allowed[0] + "]").checked = true;
    }
    showKind();
    var place = org && org.location;
    if (place && !pin) map.setView([place.lat, place.lon], 11);
  }

  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", showKind);
  });
  if (field("organization_id")) field("organization_id").addEventListener("change", limitKinds);

  // --- errors -------------------------------------------------------------------------------

  var FIELD_ALIASES = {
    "address.street": "street", "address.postal_code": "postal_code", "address.city": "city",
    "location.lat": "lat", "location.lon": "lon", location: "lat", address: "city",
    "beds_by_policy.male": "beds_male", "beds_by_policy.female": "beds_female",
    "beds_by_policy.family": "beds_family", "beds_by_policy.mixed": "beds_mixed",
    beds_by_policy: "beds_male",
  };

  function clearErrors() {
    message.hidden = true;
    message.textContent = "";
    form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".invalid").forEach(function (node) { node.classList.remove("invalid"); });
  }

  function clearError(name) {
    var holder = form.querySelector('[data-field="' + name + '"]');
    if (!holder) return;
    holder.classList.remove("invalid");
    var note = holder.querySelector(".field-error");
    if (note) note.remove();
  }

  function showFieldError(name, text) {
    var holder = form.querySelector('[data-field="' + name + '"]');
    if (!holder || holder.closest("[hidden]")) return false;
    holder.classList.add("invalid");
    var note = holder.querySelector(".field-error");
    if (!note) {
      note = X.el("div", { class: "field-error", "data-testid": "error-" + name });
      holder.appendChild(note);
    }
    note.textContent = note.textContent ? note.textContent + " " + text : text;
    return true;
  }

  /** The page's own words for the common cases, the browser's for the rest. */
  function validationText(input) {
    if (input.validity.valueMissing) return t("required");
    if (input.validity.patternMismatch) return t("bad_format") + (input.title ? " " + input.title : "");
    return input.validationMessage;
  }

  // A field corrected is no longer marked.
  form.addEventListener("input", function (event) {
    var holder = event.target.closest && event.target.closest("[data-field]");
    if (holder) clearError(holder.dataset.field);
    if (!form.querySelector(".invalid")) message.hidden = true;
  });

  /** Every message in {"errors": {"json": {...}}}, as [dotted field name, text]. */
  function flattenErrors(errors, prefix, out) {
    Object.keys(errors || {}).forEach(function (key) {
      var entry = errors[key];
      var name = prefix ? prefix + "." + key : key;
      if (Array.isArray(entry)) {
        entry.forEach(function (item) {
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

  /** Shows an error answer: each message at its field, the rest in the box on top. */
  function showErrors(answer) {
    var errors = answer.data && answer.data.errors;
    var unplaced = [];
    if (errors) {
      var all = flattenErrors(errors.json || errors.query || errors, "", []);
      all.forEach(function (pair) {
        var name = FIELD_ALIASES[pair[0]] || pair[0];
        if (!showFieldError(name, pair[1])) unplaced.push(pair[1]);
      });
    }
    var text = X.errorText(answer);
    if (answer.status !== 422 && answer.data && answer.data.message) text = answer.data.message;
    message.textContent = [text].concat(unplaced).join(" ");
    message.hidden = false;
    var first = form.querySelector(".invalid input, .invalid select, .invalid textarea");
    if (first) first.focus();
    message.scrollIntoView({ block: "nearest" });
  }

  // --- reading and filling the form ---------------------------------------------------------

  function body() {
    var chosen = kind();
    var data = {
      title: value("title"),
      description: value("description"),
      address: { street: value("street"), postal_code: value("postal_code"), city: value("city") },
      location: { lat: parseFloat(value("lat")), lon: parseFloat(value("lon")) },
    };
    // On edit an emptied field is sent as null (cleared); on create it is left out.
    function put(name, parsed) {
      if (parsed !== null) data[name] = parsed;
      else if (listingId) data[name] = null;
    }
    if (chosen === "flat") {
      DECIMAL_FIELDS.forEach(function (name) { put(name, value(name) || null); });
      FLAGS.forEach(function (name) { data[name] = field(name).checked; });
    } else {
      var policy = {};
      POLICIES.forEach(function (key) {
        var v = value("beds_" + key);
        if (v !== "") policy[key] = parseInt(v, 10);
        else if (listingId) policy[key] = null;
      });
      if (Object.keys(policy).length || listingId) data.beds_by_policy = policy;
    }
    INTEGER_FIELDS[chosen].forEach(function (name) {
      put(name, value(name) === "" ? null : parseInt(value(name), 10));
    });
    DATE_FIELDS[chosen].forEach(function (name) { put(name, value(name) || null); });
    if (!listingId) {
      data.kind = chosen;
      var org = organization();
      if (org) data.organization_id = org.id;
    }
    return data;
  }

  function fill(listing) {
    current = listing;
    form.querySelectorAll("input[name=kind]").forEach(function (radio) {
      radio.checked = radio.value === listing.kind;
      radio.disabled = radio.value !== listing.kind;
    });
    showKind();
    field("title").value = listing.title || "";
    field("description").value = listing.description || "";
    var address = listing.address || {};
    ["street", "postal_code", "city"].forEach(function (name) { field(name).value = address[name] || ""; });
    function set(name, v) { if (field(name)) field(name).value = v === null || v === undefined ? "" : v; }
    DECIMAL_FIELDS.concat(INTEGER_FIELDS.flat, INTEGER_FIELDS.beds, DATE_FIELDS.flat, DATE_FIELDS.beds)
      .forEach(function (name) { set(name, listing[name]); });
    FLAGS.forEach(function (name) { field(name).checked = !!listing[name]; });
    var policy = listing.beds_by_policy || {};
    POLICIES.forEach(function (key) { set("beds_" + key, policy[key]); });
    if (listing.location) setPin(listing.location.lat, listing.location.lon, { zoom: 15 });
    var publish = form.querySelector("button[value=publish]");
    if (publish) publish.hidden = listing.status === "published";
    form.removeAttribute("aria-busy");
  }

  // --- saving -------------------------------------------------------------------------------

  var submitter = null;
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.addEventListener("click", function () { submitter = button; });
  });

  function setBusy(busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = busy; });
    if (submitter) {
      if (busy) { submitter.dataset.label = submitter.textContent; submitter.textContent = t("saving"); }
      else if (submitter.dataset.label) submitter.textContent = submitter.dataset.label;
    }
  }

  function done(id) {
    window.location.href = config.detail_url.replace("/0", "/" + id);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var action = submitter ? submitter.value : (listingId ? "save" : "publish");
    clearErrors();
    // The browser's own checks first (required fields, ranges), shown at the fields.
    var invalid = Array.prototype.filter.call(form.elements, function (input) {
      return input.willValidate && !input.checkValidity();
    });
    if (invalid.length) {
      invalid.forEach(function (input) {
        var holder = input.closest("[data-field]");
        showFieldError(holder ? holder.dataset.field : input.name, validationText(input));
      });
      showErrors({ status: 422, data: null });
      return;
    }
    var data = body();
    setBusy(true);
    var request;
    if (listingId) {
      request = X.api("PATCH", "/listings/" + listingId, data).then(function (answer) {
        if (!answer.ok || action !== "publish" || !current || current.status === "published") return answer;
        return X.api("POST", "/listings/" + listingId + "/publish", {});
      });
    } else {
      data.publish = action === "publish";
      request = X.api("POST", "/listings", data);
    }
    request.then(function (answer) {
      setBusy(false);
      if (answer.ok) done(answer.data.id);
      else showErrors(answer);
    }, function () {
      setBusy(false);
      showErrors({ status: 0, data: null });
    });
  });

  // --- photos and documents (editing only): uploaded at once, then attached ---------------

  var fileInput = document.getElementById("listing-files");
  var attachmentList = document.getElementById("attachments");
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  function renderAttachments(listing) {
    if (!attachmentList) return;
    attachmentList.innerHTML = "";
    (listing.photos || []).concat(listing.documents || []).forEach(function (file) {
      var preview = file.has_thumbnail
        ? X.el("img", { src: config.api + "/documents/" + file.id + "/thumbnail", alt: "", loading: "lazy" })
        : null;
      attachmentList.appendChild(X.el("li", { dataset: { documentId: file.id } }, [
        preview,
        X.el("span", { text: file.filename }),
        X.el("button", { type: "button", class: "link", text: t("remove"), onclick: function () {
          X.api("DELETE", "/listings/" + listingId + "/documents/" + file.id).then(reloadAttachments);
        } }),
      ]));
    });
  }

  function reloadAttachments() {
    return X.api("GET", "/listings/" + listingId).then(function (answer) {
      if (answer.ok) renderAttachments(answer.data);
    });
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** POST /documents (multipart), then attach it: images as photos, the rest as documents. */
  function addFile(file) {
    var data = new FormData();
    data.append("file", file);
    return fetch(config.api + "/documents", {
      method: "POST", credentials: "same-origin", body: data,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (stored) {
        if (!response.ok || !stored) return { ok: false, status: response.status };
        var kind = IMAGE_TYPES.indexOf(stored.content_type) >= 0 ? "photo" : "document";
        return X.api("POST", "/listings/" + listingId + "/documents", { document_id: stored.id, kind: kind });
      });
    }).then(function (answer) {
      if (answer.ok) return null;
      if (answer.status === 413) return t("upload_too_large", { name: file.name });
      if (answer.status === 415) return t("upload_wrong_type", { name: file.name });
      return t("upload_error", { name: file.name });
    }, function () { return t("upload_error", { name: file.name }); });
  }

  if (fileInput && listingId) {
    fileInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(fileInput.files);
      var problems = [];
      fileInput.disabled = true;
      message.hidden = true;
      files.reduce(function (previous, file) {
        return previous.then(function () {
          message.classList.remove("flash-error");
          message.textContent = t("uploading", { name: file.name });
          message.hidden = false;
          return addFile(file).then(function (problem) { if (problem) problems.push(problem); });
        });
      }, Promise.resolve()).then(function () {
        fileInput.disabled = false;
        fileInput.value = "";
        message.classList.add("flash-error");
        message.textContent = problems.join(" ");
        message.hidden = !problems.length;
        return reloadAttachments();
      });
    });
  }

  // --- start --------------------------------------------------------------------------------

  if (listingId) {
    X.api("GET", "/listings/" + listingId).then(function (answer) {
      if (answer.ok) { fill(answer.data); renderAttachments(answer.data); }
      else showErrors(answer);
    }, function () { showErrors({ status: 0, data: null }); });
  } else {
    limitKinds();
  }
  showKind();
})();
