/* A shelter's room plan: rooms with their beds (free, occupied, blocked), live from the
   `capacity` events. Those who manage the shelter click a bed to act on it (bed_panel.js). */
import { debounce, el } from "../common/dom.js";
import { holdsFocus } from "../common/focus.js";
import { t, tn } from "../common/i18n.js";
import { config } from "../common/page.js";
import { makeBedPanel } from "./bed_panel.js";
import { bedState, heldBeds } from "./logic.js";
import { connectCapacity, updateBar } from "./shared.js";

export function planPage() {
  const plan = document.getElementById("plan");
  const panelElement = document.getElementById("bedpanel");
  const summary = document.getElementById("summary");
  const manage = Boolean(config.manage);
  const state = { rooms: [], beds: new Map(), held: new Set(), selected: null, moving: null, loading: null };
  const panel = makeBedPanel(panelElement, { state, load, render });

  function load() {
    const url = config.plan_url.replace("/0/", "/" + config.shelter_id + "/");
    const request = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    state.loading = request;
    return request.then((data) => {
      if (state.loading !== request) return;
      state.rooms = data.rooms;
      state.held = heldBeds(data.rooms, (data.capacity && data.capacity.held) || 0);
      state.beds = new Map();
      data.rooms.forEach((room) => {
        room.beds.forEach((bed) => { bed.room = room; state.beds.set(bed.id, bed); });
      });
      updateBar(summary, data.capacity);
      const heldLine = summary && summary.querySelector('[data-testid="held-line"]');
      if (heldLine) heldLine.hidden = !(data.capacity && data.capacity.held);
      render();
      if (state.selected && state.beds.has(state.selected)) {
        if (!holdsFocus(panelElement)) panel.show(state.beds.get(state.selected));
      } else {
        panel.close();
      }
    }, () => {
      plan.removeAttribute("aria-busy");
      plan.innerHTML = "";
      plan.appendChild(el("p", { class: "error", text: t("load_error") }));
    });
  }

  function bedTile(bed) {
    const kind = state.held.has(bed.id) ? "held" : bedState(bed);
    const target = state.moving && kind === "free";
    const lines = [el("span", { class: "bedlabel", text: bed.label })];
    if (kind === "occupied" && bed.person_name) {
      lines.push(el("span", { class: "bedname", text: bed.person_name }));
    } else if (kind === "blocked") {
      lines.push(el("span", { class: "bedname", text: bed.block_reason || t(bed.status) }));
    } else {
      lines.push(el("span", { class: "bedname muted", text: t(kind) }));
    }
    const attributes = {
      class: "bed bed-" + kind + (state.selected === bed.id ? " selected" : "") + (target ? " target" : ""),
      "data-testid": "bed-" + bed.id,
      dataset: { bedId: bed.id, state: kind },
      title: t("bed_in_room", { label: bed.label, room: bed.room.name }),
    };
    if (!manage) return el("div", attributes, lines);
    attributes.type = "button";
    attributes.onclick = () => { panel.clickBed(bed); };
    return el("button", attributes, lines);
  }

  function render() {
    // A redraw keeps the keyboard on its bed (or on the bed a closed panel was about).
    if (!state.focusBedId && holdsFocus(plan)) state.focusBedId = document.activeElement.dataset.bedId;
    plan.removeAttribute("aria-busy");
    plan.innerHTML = "";
    plan.classList.toggle("moving", Boolean(state.moving));
    if (!state.rooms.length) {
      plan.appendChild(el("p", { class: "card empty", text: t("no_rooms") }));
      return;
    }
    state.rooms.forEach((room) => {
      const tags = [el("span", { class: "policy policy-" + room.policy, text: t("policy_" + room.policy) })];
      if (room.accessible) tags.push(el("span", { class: "policy access", text: "♿ " + t("accessible") }));
      const held = room.beds.filter((bed) => state.held.has(bed.id)).length;
      plan.appendChild(el("section", { class: "room card", "data-testid": "room-" + room.id }, [
        el("header", { class: "roomhead" }, [
          el("strong", { text: room.name }),
          el("span", { class: "roomtags" }, tags),
          el("span", { class: "spacer" }),
          el("span", { class: "muted", text: tn("room_free", room.free_beds - held) +
            (held ? " · " + t("room_held", { n: held }) : "") }),
        ]),
        el("div", { class: "beds" }, room.beds.map(bedTile)),
      ]));
    });
    if (state.focusBedId) {
      const bed = plan.querySelector('[data-bed-id="' + Number(state.focusBedId) + '"]');
      state.focusBedId = null;
      if (bed) bed.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && (state.moving || state.selected)) {
      state.moving = null;
      panel.close();
      render();
    }
  });

  const reloadSoon = debounce(load, 200);
  load();
  connectCapacity((payload) => {
    if (payload && payload.shelter_id === config.shelter_id) reloadSoon();
  }, load);
}
