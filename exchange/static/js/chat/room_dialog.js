/* The dialog for a new room: a direct conversation with one person, or a group (private)
   or channel (network) with a name and the people found by name. */
import { api, errorText, query } from "../common/api.js";
import { debounce, el } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { answerMessage } from "./format.js";
import { openRoom } from "./pane.js";
import { newRoomBody } from "./room_logic.js";
import { renderRooms } from "./rooms.js";
import { state } from "./state.js";

export function setUpRoomDialog() {
  const dialog = document.getElementById("room-dialog");
  if (!dialog) return;
  const form = document.getElementById("room-form");
  const search = document.getElementById("people-search");
  const results = document.getElementById("people-results");
  const chosenList = document.getElementById("chosen-people");
  const error = document.getElementById("room-error");
  let chosen = new Map(); // user id → person
  let searchSeq = 0;

  function kind() { return form.elements.kind.value; }

  function syncKind() {
    const direct = kind() === "direct";
    form.querySelectorAll(".for-group").forEach((node) => { node.hidden = direct; });
    if (direct && chosen.size > 1) {
      const first = chosen.values().next().value;
      chosen = new Map([[first.id, first]]);
      renderChosen();
    }
  }

  function renderChosen() {
    chosenList.innerHTML = "";
    chosen.forEach((person) => {
      chosenList.appendChild(el("li", { "data-testid": "chosen-person" }, [
        el("span", { text: person.name }),
        el("span", { class: "muted small", text: person.organization }),
        el("button", { type: "button", class: "link close", "aria-label": t("remove"), text: "×",
          onclick: () => { chosen.delete(person.id); renderChosen(); } }),
      ]));
    });
  }

  function showResults(items) {
    results.innerHTML = "";
    items.forEach((item) => { results.appendChild(item); });
    results.hidden = items.length === 0;
  }

  function choose(person) {
    if (kind() === "direct") chosen = new Map();
    chosen.set(person.id, person);
    renderChosen();
    search.value = "";
    showResults([]);
    search.focus();
  }

  function searchPeople() {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (q.length < 2) { showResults([]); return; }
    api("GET", "/chat/people" + query({ q })).then((answer) => {
      if (seq !== searchSeq) return;
      if (!answer.ok) { showResults([el("li", { class: "muted", text: errorText(answer) })]); return; }
      if (!answer.data.length) { showResults([el("li", { class: "muted", text: t("people_none") })]); return; }
      showResults(answer.data.map((person) => el("li", null, el("button", {
        type: "button", "data-testid": "person-option", dataset: { userId: person.id },
        onclick: () => { choose(person); },
      }, [el("strong", { text: person.name }), el("span", { class: "muted small", text: person.organization })]))));
    });
  }

  function showError(text) {
    error.hidden = !text;
    error.textContent = text || "";
  }

  // Closed (Escape, cancel, created): the focus goes back to what opened the dialog, unless
  // it already moved on (to the new room).
  let opener = null;
  dialog.addEventListener("close", () => {
    if (opener && opener.isConnected && dialog.returnValue !== "created") opener.focus();
    opener = null;
  });
  document.getElementById("new-room").addEventListener("click", () => {
    opener = document.activeElement;
    dialog.returnValue = "";
    form.reset();
    chosen = new Map();
    renderChosen();
    showResults([]);
    showError("");
    syncKind();
    dialog.showModal();
    form.elements.name.focus();
  });
  document.getElementById("room-cancel").addEventListener("click", () => { dialog.close(); });
  form.addEventListener("change", (event) => { if (event.target.name === "kind") syncKind(); });
  search.addEventListener("input", debounce(searchPeople, 250));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = results.querySelector("button");
      if (first) first.click();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const direct = kind() === "direct";
    const name = form.elements.name.value.trim();
    if (direct && chosen.size !== 1) { showError(t("direct_needs_one")); return; }
    if (!direct && !name) { showError(t("room_name_required")); form.elements.name.focus(); return; }
    const body = newRoomBody(direct, name, form.elements.visibility.value, Array.from(chosen.keys()));
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    api("POST", "/rooms", body).then((answer) => {
      submit.disabled = false;
      if (!answer.ok) { showError(answerMessage(answer)); return; }
      dialog.close("created");
      state.rooms.set(answer.data.id, answer.data);
      renderRooms();
      openRoom(answer.data.id, { push: true });
    }, () => { submit.disabled = false; showError(t("error_generic")); });
  });
}
