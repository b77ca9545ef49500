/* The bell in the header, on every page of a signed-in user: its unread badge goes up live
   on the shared socket's `notification` event; a click opens the newest notifications
   (rendered by the server, so every text is translated there), a click on one marks it
   read. Pages that show what a notification is about follow the `exchange:notification`
   DOM event (e.g. /transfers). */
import { api } from "./common/api.js";
import { badgeCount, badgeText } from "./common/badge.js";
import { sharedSocket } from "./common/socket.js";

const bell = document.getElementById("nav-bell");
if (bell) setUpBell(bell);

function setUpBell(bell) {
  const badge = document.getElementById("nav-bell-count");
  const panel = document.getElementById("notification-panel");

  // keepalive: a click on a notification's link leaves the page while this is on its way.
  function post(path) {
    return api("POST", path, undefined, { keepalive: true });
  }
  function setCount(n) {
    const count = Math.max(0, n);
    badge.dataset.count = String(count);
    badge.textContent = badgeText(count);
    badge.hidden = count === 0;
  }
  function loadPanel() {
    return fetch(bell.dataset.panel, { credentials: "same-origin" })
      .then((response) => response.text())
      .then((html) => { panel.querySelector("[data-panel-body]").innerHTML = html; });
  }
  function showPanel(shown) {
    panel.hidden = !shown;
    bell.setAttribute("aria-expanded", shown ? "true" : "false");
  }
  // Opened: the focus moves into the panel (its first link once loaded); closed with Escape
  // or by leaving it with the keyboard: back to the bell, or on where the focus went.
  function closePanel(returnFocus) {
    showPanel(false);
    if (returnFocus) bell.focus();
  }

  bell.addEventListener("click", (event) => {
    event.preventDefault();
    if (panel.hidden) {
      showPanel(true);
      panel.setAttribute("tabindex", "-1");
      panel.focus();
      loadPanel().then(() => {
        if (panel.hidden || !panel.contains(document.activeElement)) return;
        const first = panel.querySelector("a[href], button");
        if (first) first.focus();
      });
    } else {
      closePanel(false);
    }
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel(true);
  });
  bell.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) closePanel(true);
  });
  panel.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !panel.contains(event.relatedTarget)
        && event.relatedTarget !== bell) closePanel(false);
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !panel.contains(event.target) && !bell.contains(event.target)) {
      showPanel(false);
    }
  });

  // Opening one marks it read (the link then goes on).
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("[data-read]");
    if (!link) return;
    const item = link.closest(".notification");
    if (item && item.classList.contains("unread")) {
      item.classList.remove("unread");
      setCount(badgeCount(badge) - 1);
      post("/notifications/" + link.dataset.read + "/read");
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest || !event.target.closest("[data-notifications-read-all]")) return;
    post("/notifications/read-all").then(() => {
      setCount(0);
      document.querySelectorAll(".notification.unread").forEach((item) => {
        item.classList.remove("unread");
      });
    });
  });

  sharedSocket().on("notification", (note) => {
    setCount(badgeCount(badge) + 1);
    if (!panel.hidden) loadPanel();
    document.dispatchEvent(new CustomEvent("exchange:notification", { detail: note || {} }));
  });
}
