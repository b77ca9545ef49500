/* The shelters list: each shelter's bar follows the `capacity` events live. */
import { api } from "../common/api.js";
import { connectCapacity, updateBar } from "./shared.js";

export function sheltersPage() {
  function refreshShelter(id) {
    const box = document.querySelector('[data-shelter-id="' + id + '"]');
    if (!box) return;
    api("GET", "/shelters/" + id + "/capacity").then((answer) => {
      if (answer.ok) updateBar(box, answer.data);
    });
  }
  function refreshAll() {
    document.querySelectorAll("[data-shelter-id]").forEach((box) => { refreshShelter(box.dataset.shelterId); });
  }
  connectCapacity((payload) => {
    if (payload && payload.shelter_id) refreshShelter(payload.shelter_id);
  }, refreshAll);
}
