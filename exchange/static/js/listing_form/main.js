/* Create and edit a listing: the form posts JSON to the API; a draggable pin sets the
   location and stays in sync with the latitude and longitude fields. Errors show at their
   fields (the browser's own checks first, then the API's). */
import { api, errorText } from "../common/api.js";
import { debounce, el } from "../common/dom.js";
import { focusFirst } from "../common/focus.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { exactPostcode, searchable, townNamed } from "../common/place_search.js";
import { attachPlaceSearch, gazetteerItems } from "../common/places.js";
import { setUpAttachments } from "./attachments.js";
import { fieldErrors } from "./errors.js";
import { allowedKinds, FLAGS, listingBody, POLICIES, VALUE_FIELDS } from "./fields.js";
import { makePin } from "./pin.js";

const form = document.getElementById("listing-form");
if (form) setUpForm(form);

function setUpForm(form) {
  const message = document.getElementById("form-message");
  const listingId = form.dataset.listingId ? Number(form.dataset.listingId) : null;
  let current = null; // the listing being edited, as the API returned it

  function field(name) { return form.elements[name]; }
  function value(name) { const input = field(name); return input ? input.value.trim() : ""; }
  function kind() { const checked = form.querySelector("input[name=kind]:checked"); return checked ? checked.value : "flat"; }

  // --- the pin and the place search ----------------------------------------------------------

  // A pin placed by hand after the address was last typed stays where it is.
  let placedByHand = false;
  const pin = makePin(document.getElementById("pinmap"), field("lat"), field("lon"), (point, byHand) => {
    if (byHand) placedByHand = true;
    clearError("lat");
    clearError("lon");
  });
  // The end of availability cannot lie before its start (the browser checks, the API too).
  field("available_from").addEventListener("change", () => {
    field("available_until").min = value("available_from");
  });
  attachPlaceSearch(document.getElementById("placesearch"), (place) => {
    pin.setPin(place.lat, place.lon, { zoom: 16 });
    // Fill in what the place search knows, without overwriting what was typed.
    ["street", "postal_code", "city"].forEach((name) => {
      if (place[name] && !value(name)) field(name).value = place[name];
    });
  });

  // The postcode typed (or else the town) moves the pin there, from the offline gazetteer.
  const POSTCODE = /^\d{5}$/;
  function pinFromAddress() {
    const code = value("postal_code");
    const city = value("city");
    const q = POSTCODE.test(code) ? code : city;
    if (!searchable(q)) return;
    gazetteerItems(q, 8).then((items) => {
      // An answer overtaken by another address or by the pin placed by hand is not applied.
      const stale = q === code ? value("postal_code") !== code : value("city") !== city;
      if (stale || placedByHand) return;
      const found = exactPostcode(items, code) || townNamed(items, city) || (q === city ? items[0] : null);
      if (!found) return;
      pin.setPin(found.lat, found.lon, { zoom: found.kind === "postcode" ? 14 : 13 });
      if (found.kind === "postcode" && !value("city")) field("city").value = found.name;
    });
  }
  const pinFromPostcodeSoon = debounce(() => {
    if (POSTCODE.test(value("postal_code"))) pinFromAddress();
  }, 300);
  field("postal_code").addEventListener("input", () => { placedByHand = false; pinFromPostcodeSoon(); });
  field("city").addEventListener("input", () => { placedByHand = false; });
  field("city").addEventListener("change", () => {
    if (!POSTCODE.test(value("postal_code"))) pinFromAddress();
  });

  // --- kind and organisation -------------------------------------------------------------------

  function organization() {
    const select = field("organization_id");
    const id = select && select.value ? Number(select.value) : null;
    return (config.organizations || []).find((org) => org.id === id) || null;
  }

  function showKind() {
    const chosen = kind();
    form.querySelectorAll("fieldset[data-kind]").forEach((fieldset) => {
      const active = fieldset.dataset.kind === chosen;
      fieldset.hidden = !active;
      fieldset.disabled = !active; // hidden fields are neither validated nor sent
    });
  }

  function limitKinds() {
    if (listingId) return;
    const org = organization();
    const allowed = allowedKinds(org);
    form.querySelectorAll("input[name=kind]").forEach((radio) => {
      radio.disabled = allowed.indexOf(radio.value) < 0;
      radio.closest("label").hidden = radio.disabled;
    });
    if (allowed.indexOf(kind()) < 0) {
      form.querySelector("input[name=kind][value=" + allowed[0] + "]").checked = true;
    }
    showKind();
    const place = org && org.location;
    if (place && !pin.hasPin()) pin.showPlace(place.lat, place.lon, 11);
  }

  form.querySelectorAll("input[name=kind]").forEach((radio) => { radio.addEventListener("change", showKind); });
  if (field("organization_id")) field("organization_id").addEventListener("change", limitKinds);

  // --- errors ----------------------------------------------------------------------------------

  function clearErrors() {
    message.hidden = true;
    message.textContent = "";
    form.querySelectorAll(".field-error").forEach((node) => { node.remove(); });
    form.querySelectorAll(".invalid").forEach((node) => { node.classList.remove("invalid"); });
  }

  function clearError(name) {
    const holder = form.querySelector('[data-field="' + name + '"]');
    if (!holder) return;
    holder.classList.remove("invalid");
    const note = holder.querySelector(".field-error");
    if (note) note.remove();
  }

  function showFieldError(name, text) {
    const holder = form.querySelector('[data-field="' + name + '"]');
    if (!holder || holder.closest("[hidden]")) return false;
    holder.classList.add("invalid");
    let note = holder.querySelector(".field-error");
    if (!note) {
      note = el("div", { class: "field-error", "data-testid": "error-" + name });
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
  form.addEventListener("input", (event) => {
    const holder = event.target.closest && event.target.closest("[data-field]");
    if (holder) clearError(holder.dataset.field);
    if (!form.querySelector(".invalid")) message.hidden = true;
  });

  /** Shows an error answer: each message at its field, the rest in the box on top. */
  function showErrors(answer) {
    const unplaced = [];
    fieldErrors(answer.data).forEach(([name, text]) => {
      if (!showFieldError(name, text)) unplaced.push(text);
    });
    let text = errorText(answer);
    if (answer.status !== 422 && answer.data && answer.data.message) text = answer.data.message;
    message.textContent = [text].concat(unplaced).join(" ");
    message.hidden = false;
    focusFirst(form, ".invalid input, .invalid select, .invalid textarea");
    message.scrollIntoView({ block: "nearest" });
  }

  // --- reading and filling the form --------------------------------------------------------

  function body() {
    const org = organization();
    return listingBody({
      read: value, checked: (name) => field(name).checked, kind: kind(),
      editing: Boolean(listingId), organizationId: org ? org.id : null,
    });
  }

  function fill(listing) {
    current = listing;
    form.querySelectorAll("input[name=kind]").forEach((radio) => {
      radio.checked = radio.value === listing.kind;
      radio.disabled = radio.value !== listing.kind;
    });
    showKind();
    field("title").value = listing.title || "";
    field("description").value = listing.description || "";
    const address = listing.address || {};
    ["street", "postal_code", "city"].forEach((name) => { field(name).value = address[name] || ""; });
    function set(name, v) { if (field(name)) field(name).value = v === null || v === undefined ? "" : v; }
    VALUE_FIELDS.forEach((name) => { set(name, listing[name]); });
    FLAGS.forEach((name) => { field(name).checked = !!listing[name]; });
    const policy = listing.beds_by_policy || {};
    POLICIES.forEach((key) => { set("beds_" + key, policy[key]); });
    if (listing.location) pin.setPin(listing.location.lat, listing.location.lon, { zoom: 15 });
    const publish = form.querySelector("button[value=publish]");
    if (publish) publish.hidden = listing.status === "published";
    form.removeAttribute("aria-busy");
  }

  // --- saving ------------------------------------------------------------------------------

  let submitter = null;
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    button.addEventListener("click", () => { submitter = button; });
  });

  function setBusy(busy) {
    form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = busy; });
    if (submitter) {
      if (busy) { submitter.dataset.label = submitter.textContent; submitter.textContent = t("saving"); }
      else if (submitter.dataset.label) submitter.textContent = submitter.dataset.label;
    }
  }

  function save(action) {
    const data = body();
    if (listingId) {
      return api("PATCH", "/listings/" + listingId, data).then((answer) => {
        if (!answer.ok || action !== "publish" || !current || current.status === "published") return answer;
        return api("POST", "/listings/" + listingId + "/publish", {});
      });
    }
    data.publish = action === "publish";
    return api("POST", "/listings", data);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = submitter ? submitter.value : (listingId ? "save" : "publish");
    clearErrors();
    // The browser's own checks first (required fields, ranges), shown at the fields.
    const invalid = Array.prototype.filter.call(form.elements, (input) => input.willValidate && !input.checkValidity());
    if (invalid.length) {
      invalid.forEach((input) => {
        const holder = input.closest("[data-field]");
        showFieldError(holder ? holder.dataset.field : input.name, validationText(input));
      });
      showErrors({ status: 422, data: null });
      return;
    }
    setBusy(true);
    save(action).then((answer) => {
      setBusy(false);
      if (answer.ok) window.location.href = config.detail_url.replace("/0", "/" + answer.data.id);
      else showErrors(answer);
    }, () => {
      setBusy(false);
      showErrors({ status: 0, data: null });
    });
  });

  // --- start ---------------------------------------------------------------------------------

  const attachments = setUpAttachments(listingId, message);
  if (listingId) {
    api("GET", "/listings/" + listingId).then((answer) => {
      if (answer.ok) { fill(answer.data); attachments.render(answer.data); }
      else { form.removeAttribute("aria-busy"); showErrors(answer); }
    }, () => { form.removeAttribute("aria-busy"); showErrors({ status: 0, data: null }); });
  } else {
    limitKinds();
  }
  showKind();
}
