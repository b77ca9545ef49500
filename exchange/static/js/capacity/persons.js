/* The registry's person search, and a person's page with their activities (appointments,
   tasks): add one, mark it done or open again. */
import { api, query } from "../common/api.js";
import { debounce, el } from "../common/dom.js";
import { formatDate } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { errorText, isOverdue, personLabel } from "./logic.js";
import { notify } from "./shared.js";

export function personsPage() {
  const form = document.getElementById("personsearch");
  const input = form.elements.q;
  const rows = document.getElementById("personrows");
  const note = document.getElementById("personsnote");

  function personRow(person) {
    return el("tr", { "data-testid": "person-row" }, [
      el("td", {}, el("a", { href: config.person_url.replace("/0", "/" + person.id), text: personLabel(person) })),
      el("td", { text: formatDate(person.birth_date) }),
      el("td", { text: t("gender_" + person.gender) }),
      el("td", { text: person.external_id || "" }),
      el("td", { text: person.current_bed_id ? "✓" : "–" }),
    ]);
  }

  function search() {
    const q = input.value.trim();
    const params = { limit: 50 };
    if (q) params.q = q;
    window.history.replaceState(null, "", window.location.pathname + query({ q }));
    api("GET", "/persons" + query(params)).then((answer) => {
      if (input.value.trim() !== q) return;
      rows.innerHTML = "";
      if (!answer.ok) { note.textContent = errorText(answer); return; }
      note.textContent = answer.data.items.length ? (answer.data.next_cursor ? t("results_more") : "")
        : t("no_persons");
      answer.data.items.forEach((person) => { rows.appendChild(personRow(person)); });
    }, () => { note.textContent = t("error_generic"); });
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  input.addEventListener("input", debounce(search, 300));
  input.value = new URLSearchParams(window.location.search).get("q") || "";
  search();
}

export function personPage() {
  const list = document.getElementById("activities");
  const form = document.getElementById("newactivity");
  const formError = form.querySelector(".formerror");
  const today = new Date().toISOString().slice(0, 10);

  function item(activity) {
    const overdue = isOverdue(activity, today);
    const title = t("activity_" + activity.kind) + (activity.title ? ": " + activity.title : "");
    const next = activity.status === "open" ? "done" : "open";
    return el("li", { class: "activity status-" + activity.status + (overdue ? " overdue" : ""),
      "data-testid": "activity", dataset: { activityId: activity.id } }, [
      el("span", { class: "due", text: activity.due_date ? formatDate(activity.due_date) : t("no_due_date") }),
      el("span", { class: "what", text: title }),
      el("span", { class: "state", "data-testid": "activity-status",
        text: overdue ? t("overdue") : t("status_" + activity.status) }),
      el("button", { type: "button", class: "secondary small", "data-testid": "activity-toggle",
        text: next === "done" ? t("mark_done") : t("reopen"),
        onclick: (event) => {
          event.target.disabled = true;
          api("PATCH", "/activities/" + activity.id, { status: next }).then((answer) => {
            if (!answer.ok) notify(errorText(answer), "error");
            load();
          });
        } }),
    ]);
  }

  function load() {
    return api("GET", "/persons/" + config.person_id + "/activities" + query({ reason: config.reason })).then((answer) => {
      list.removeAttribute("aria-busy");
      list.innerHTML = "";
      if (!answer.ok) { list.appendChild(el("li", { class: "error", text: errorText(answer) })); return; }
      if (!answer.data.length) list.appendChild(el("li", { class: "muted", text: t("no_activities") }));
      answer.data.forEach((activity) => { list.appendChild(item(activity)); });
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { kind: form.elements.kind.value, title: form.elements.title.value.trim() };
    if (form.elements.due_date.value) body.due_date = form.elements.due_date.value;
    formError.hidden = true;
    api("POST", "/persons/" + config.person_id + "/activities", body).then((answer) => {
      if (!answer.ok) { formError.hidden = false; formError.textContent = errorText(answer); return; }
      form.reset();
      load();
    });
  });
  load();
}
