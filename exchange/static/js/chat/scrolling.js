/* Where the message pane is scrolled, and whether the reader is reading its newest. */
import { ui } from "./elements.js";
import { state } from "./state.js";

const NEAR_BOTTOM_PX = 60;

export function atBottom() {
  const scroller = ui.scroller;
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
}

export function scrollToBottom() {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
  state.stickToBottom = true;
  ui.newBelow.hidden = true;
}

/** A member, on a visible page, at the bottom of the pane: what arrives is read. */
export function isReading() {
  return state.member && document.visibilityState === "visible" && atBottom();
}
