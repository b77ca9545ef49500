/* One column on a phone: a page of two panes (the map's list and map, the chat's rooms and
   conversation) shows one at a time below a width, and a pair of buttons switches between
   them. The page's root gets `data-view` (CSS hides the other pane below the width); the
   buttons carry `data-view-choice` and `aria-pressed`. Wider screens show both panes and
   hide the buttons, whatever the state. */

/**
 * @param {HTMLElement} root the element whose data-view the CSS reads
 * @param {HTMLElement} toggle the group holding the [data-view-choice] buttons
 * @param {string} initial the view shown first
 * @param {(view: string) => void} [onShow] called after a switch (e.g. Leaflet's invalidateSize)
 */
export function viewToggle(root, toggle, initial, onShow) {
  const buttons = Array.from(toggle.querySelectorAll("[data-view-choice]"));

  function show(view) {
    if (root.dataset.view === view) return;
    root.dataset.view = view;
    buttons.forEach((button) => {
      button.setAttribute("aria-pressed", button.dataset.viewChoice === view ? "true" : "false");
    });
    if (onShow) onShow(view);
  }

  buttons.forEach((button) => {
    button.addEventListener("click", () => show(button.dataset.viewChoice));
  });
  toggle.hidden = false;
  show(initial);
  return { show, get view() { return root.dataset.view; } };
}

/** True where the page shows one pane at a time (the width in the pages' CSS). */
export function oneColumn() {
  return window.matchMedia("(max-width: 47.99em)").matches;
}
