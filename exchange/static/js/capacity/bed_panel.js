/* The room plan's bed panel: assign a free bed by picking a person, block or unblock it,
   check a person out or move them to another free bed. `plan` holds the plan's state and
   its load() and render(). */
import { api, query } from "../common/api.js";
import { debounce, el } from "../common/dom.js";
import { formatDate } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { bedState, errorText, personLabel } from "./logic.js";
import { notify } from "./shared.js";

export function makeBedPanel(panel, plan) {
  const state = plan.state;

  function close() {
    // The focus goes back to the bed the panel was about once the plan is drawn again.
    if (panel && panel.contains(document.activeElement)) state.focusBedId = state.selected;
    state.selected = null;
    if (panel) { panel.hidden = true; panel.innerHTML = ""; }
  }

  function clickBed(bed) {
    if (state.moving) {
      if (bedState(bed) === "free") { doMove(state.moving, bed); return; }
      state.moving = null;
    }
    state.selected = bed.id;
    plan.render();
    show(bed);
    // The keyboard follows into the panel: its first field, else its first button.
    const first = panel.querySelector("input, button:not(.close)") || panel.querySelector("button");
    if (first) first.focus();
  }

  function panelHead(bed) {
    return el("header", { class: "panelhead" }, [
      el("h2", { text: t("bed_in_room", { label: bed.label, room: bed.room.name }) }),
      el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
        onclick: () => { state.moving = null; close(); plan.render(); } }),
    ]);
  }

  function show(bed) {
    panel.hidden = false;
    panel.innerHTML = "";
    panel.appendChild(panelHead(bed));
    const kind = bedState(bed);
    if (kind === "free") freePanel(bed);
    else if (kind === "occupied") occupiedPanel(bed);
    else blockedPanel(bed);
  }

  function personOption(person, bed) {
    const facts = [t("gender_" + person.gender)];
    if (person.birth_date) facts.push(t("born", { date: formatDate(person.birth_date) }));
    facts.push(person.current_bed_id ? t("housed_in") : t("not_housed"));
    return el("li", {}, el("button", {
      type: "button", class: "pick", "data-testid": "pick-person",
      dataset: { personId: person.id },
      onclick: () => { assign(person, bed); },
    }, [el("strong", { text: personLabel(person) }), el("span", { class: "muted", text: facts.join(" · ") })]));
  }

  function freePanel(bed) {
    const input = el("input", { type: "search", autocomplete: "off", "data-testid": "person-search",
      placeholder: t("search_placeholder"), "aria-label": t("search_placeholder") });
    const results = el("ul", { class: "picklist", "data-testid": "person-results" });
    const status = el("p", { class: "hint", role: "status", text: t("assign_hint") });
    const search = debounce(() => {
      const q = input.value.trim();
      if (!q) { results.innerHTML = ""; status.textContent = t("assign_hint"); return; }
      status.textContent = t("searching");
      api("GET", "/persons" + query({ q, limit: 10 })).then((answer) => {
        if (input.value.trim() !== q) return;
        results.innerHTML = "";
        if (!answer.ok) { status.textContent = errorText(answer); return; }
        status.textContent = answer.data.items.length ? "" : t("no_persons");
        if (answer.data.next_cursor) status.textContent = t("results_more");
        answer.data.items.forEach((person) => { results.appendChild(personOption(person, bed)); });
      }, () => { status.textContent = t("error_generic"); });
    }, 250);
    input.addEventListener("input", search);
    const reason = el("input", { type: "text", maxlength: "500", placeholder: t("block_reason"),
      "aria-label": t("block_reason"), "data-testid": "block-reason" });
    panel.appendChild(el("section", {}, [el("h3", { text: t("assign") }), input, status, results]));
    panel.appendChild(el("section", { class: "panelsecondary" }, [
      reason,
      el("button", { type: "button", class: "secondary", "data-testid": "block-bed", text: t("block"),
        onclick: () => { block(bed, reason.value); } }),
    ]));
    input.focus();
  }

  function occupiedPanel(bed) {
    const name = bed.person_name || "";
    panel.appendChild(el("p", { class: "occupant" }, [
      el("strong", { text: name }), " ",
      el("a", { href: config.person_url.replace("/0", "/" + bed.person_id), text: t("open_person") }),
    ]));
    panel.appendChild(el("div", { class: "actions" }, [
      el("button", { type: "button", class: "primary", "data-testid": "move-bed", text: t("move"),
        onclick: () => {
          state.moving = bed;
          plan.render();
          panel.querySelector(".movehint").hidden = false;
        } }),
      el("button", { type: "button", class: "secondary", "data-testid": "check-out", text: t("check_out"),
        onclick: () => {
          if (!window.confirm(t("check_out_question", { name }))) return;
          act(api("POST", "/occupancies/" + bed.occupancy_id + "/end"), t("done_checked_out", { name }));
        } }),
    ]));
    panel.appendChild(el("p", { class: "hint movehint", hidden: true, text: t("move_hint", { name }) }));
  }

  function blockedPanel(bed) {
    panel.appendChild(el("p", {}, [
      el("strong", { text: t(bed.status) }), bed.block_reason ? ": " + bed.block_reason : "",
    ]));
    panel.appendChild(el("button", { type: "button", class: "primary", "data-testid": "unblock-bed",
      text: t("unblock"),
      onclick: () => {
        act(api("POST", "/beds/" + bed.id + "/unblock"), t("done_unblocked", { label: bed.label }));
      } }));
  }

  function act(request, doneText) {
    // The focused button is about to be disabled: remember the bed to come back to.
    if (panel.contains(document.activeElement)) state.focusBedId = state.selected;
    panel.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    return request.then((answer) => {
      if (answer.ok) {
        notify(doneText, "ok");
        state.moving = null;
        close();
      } else {
        notify(errorText(answer), "error");
        if (answer.status === 409) close();
      }
      return plan.load();
    }, () => {
      notify(t("error_generic"), "error");
      panel.querySelectorAll("button").forEach((button) => { button.disabled = false; });
    });
  }

  function assign(person, bed) {
    const name = personLabel(person);
    if (person.current_bed_id) {
      act(api("POST", "/moves", { person_id: person.id, bed_ids: [bed.id] }),
        t("done_moved", { name, label: bed.label }));
    } else {
      act(api("POST", "/occupancies", { person_id: person.id, bed_id: bed.id }),
        t("done_assigned", { name, label: bed.label }));
    }
  }

  function doMove(from, to) {
    act(api("POST", "/moves", { person_id: from.person_id, bed_ids: [to.id] }),
      t("done_moved", { name: from.person_name || "", label: to.label }));
  }

  function block(bed, reason) {
    act(api("POST", "/beds/" + bed.id + "/block", { reason: reason.trim() || null }),
      t("done_blocked", { label: bed.label }));
  }

  return { show, close, clickBed };
}
