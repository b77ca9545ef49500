/* The capacity pages' rules, apart from drawing: shares of a bar, bed states, names,
   error texts, overdue activities, the import report. No DOM here. */
import { errorText as apiErrorText } from "../common/api.js";
import { t } from "../common/i18n.js";

/** A part's share of the whole as a CSS width ("0%" of nothing). */
export function percent(part, total) {
  return total ? (100 * part / total).toFixed(2) + "%" : "0%";
}

export function personLabel(person) {
  return [person.family_name, person.given_names].filter(Boolean).join(", ");
}

/** An error answer for the user; a 422 names its first field. */
export function errorText(answer) {
  if (answer && answer.data && answer.data.errors && answer.status === 422) {
    const fields = answer.data.errors.json || answer.data.errors.form || answer.data.errors;
    const first = Object.keys(fields)[0];
    if (first) return t("error_fields") + " (" + first + ": " + [].concat(fields[first])[0] + ")";
  }
  return apiErrorText(answer || {});
}

/** occupied, free (available and empty) or blocked (any other status). */
export function bedState(bed) {
  if (bed.occupied) return "occupied";
  return bed.status === "available" ? "free" : "blocked";
}

/** The ids of the free beds shown as held for accepted bed requests: the shelter holds
    `held` of its free beds (not particular ones), so the first free beds in plan order
    stand for them; the free beds left are those the map publishes (less the reserve). */
export function heldBeds(rooms, held) {
  const ids = new Set();
  rooms.forEach((room) => {
    room.beds.forEach((bed) => {
      if (ids.size < held && bedState(bed) === "free") ids.add(bed.id);
    });
  });
  return ids;
}

/** An open activity whose due day (YYYY-MM-DD) lies before today. */
export function isOverdue(activity, today) {
  return activity.status === "open" && Boolean(activity.due_date) && activity.due_date < today;
}

/** Whether an import answer is a report (counts) rather than an error. */
export function isImportReport(data) {
  return Boolean(data) && typeof data === "object" && data.created !== undefined;
}

/** An encoding the import reports (WHATWG name) as people name it. */
export function encodingLabel(encoding) {
  return { "utf-8": "UTF-8", "windows-1252": "Windows-1252", "utf-16": "UTF-16" }[encoding] || encoding;
}

/** The report's verdict: {key, ok} of its first sentence. */
export function importVerdict(report, dryRun) {
  const errors = report.errors || [];
  if (errors.length) return { key: "import_errors", ok: false };
  return { key: dryRun ? "import_dry_ok" : "import_ok", ok: true };
}

/** A duplicate row of the report: the registered person's id and what to call them until
    their name is known. */
export function duplicateOf(dupe) {
  const id = dupe.person_id || dupe.id || dupe.existing_id;
  return { id, who: dupe.name || dupe.external_id || (id ? "#" + id : "") };
}
