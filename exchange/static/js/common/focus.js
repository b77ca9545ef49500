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
