/* Where the keyboard focus goes, and whether a part of the page holds it. */

/** Focuses the first element inside `container` that matches `selector`; false when none. */
export function focusFirst(container, selector) {
  const target = container.querySelector(selector);
  if (target) target.focus();
  return Boolean(target);
}

/** Whether the focus is inside `element` (what someone is typing in is not redrawn). */
export function holdsFocus(element) {
  return Boolean(element) && element.contains(document.activeElement);
}

/** Whether the focus is in a text field (the page's own keys then leave it alone). */
export function typingIn(target) {
  return Boolean(target && target.closest && target.closest("input, select, textarea"));
}

/** Runs `redraw` (which replaces what `container` holds) without losing the keyboard focus:
    when it was inside, it goes back to the new element that `selectorOf(old element)` names,
    else to `fallback` (an element, or nothing). A re-draw that removes the focused element
    would otherwise drop the focus to the page's body, and the next Tab would start over. */
export function redrawKeepingFocus(container, selectorOf, redraw, fallback) {
  const active = document.activeElement;
  const inside = Boolean(active) && active !== container && container.contains(active);
  const selector = inside ? selectorOf(active) : null;
  redraw();
  if (!inside || container.contains(document.activeElement)) return;
  const again = selector ? container.querySelector(selector) : null;
  if (again) again.focus();
  else if (fallback) fallback.focus();
}
