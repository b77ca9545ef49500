/* Short notes in the page's #toasts corner: at most three at once, each with a close
   button and optionally one action; each goes by itself after a while. */
import { el } from "./dom.js";
import { t } from "./i18n.js";

const MAX_SHOWN = 3;

/** Shows `text`. options: action {label, run}, kind ("ok", "error": class toast-<kind>),
    timeout in ms. */
export function toast(text, options) {
  const { action = null, kind = "", timeout = 10000 } = options || {};
  const toasts = document.getElementById("toasts");
  if (!toasts) return;
  const item = el("div", { class: "toast" + (kind ? " toast-" + kind : ""), role: "status",
    "data-testid": "toast" }, [
    el("span", { text }),
    action ? el("button", { type: "button", class: "link", text: action.label,
      onclick: () => { dismiss(); action.run(); } }) : null,
    el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
      onclick: () => { dismiss(); } }),
  ]);
  function dismiss() { if (item.parentNode) item.parentNode.removeChild(item); }
  toasts.appendChild(item);
  while (toasts.children.length > MAX_SHOWN) toasts.removeChild(toasts.firstChild);
  setTimeout(dismiss, timeout);
}
