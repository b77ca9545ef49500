/* The bell in the header: its unread badge goes up live on the socket's `notification`
   event; a click opens the newest notifications (rendered by the server, so every text is
   translated there), a click on one marks it read. One socket per page: a page that opened
   one already (window.exchangeSocket) is reused; socket.io multiplexes io() calls anyway. */
(function () {
  "use strict";
  var bell = document.getElementById("nav-bell");
  if (!bell) { return; }
  var badge = document.getElementById("nav-bell-count");
  var panel = document.getElementById("notification-panel");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function post(url) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
  }
  function setCount(n) {
    n = Math.max(0, n);
    badge.dataset.count = String(n);
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
  }
  function count() { return parseInt(badge.dataset.count || "0", 10) || 0; }

  function loadPanel() {
    return fetch(bell.dataset.panel, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { panel.querySelector("[data-panel-body]").innerHTML = html; });
  }

  bell.addEventListener("click", function (event) {
    event.preventDefault();
    if (panel.hidden) {
      panel.hidden = false;
      bell.setAttribute("aria-expanded", "true");
      loadPanel();
    } else {
      panel.hidden = true;
      bell.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !panel.contains(event.target) && !bell.contains(event.target)) {
      panel.hidden = true;
      bell.setAttribute("aria-expanded", "false");
    }
  });

  // Opening one marks it read (the link then goes on).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-read]");
    if (!link) { return; }
    var item = link.closest(".notification");
    if (item && item.classList.contains("unread")) {
      item.classList.remove("unread");
      setCount(count() - 1);
      post("/api/v1/notifications/" + link.dataset.read + "/read");
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("[data-notifications-read-all]")) { return; }
    post("/api/v1/notifications/read-all").then(function () {
      setCount(0);
      document.querySelectorAll(".notification.unread").forEach(function (el) {
        el.classList.remove("unread");
      });
    });
  });

  function listen() {
    var socket = window.exchangeSocket || window.io({ withCredentials: true });
    window.exchangeSocket = socket;
    socket.on("notification", function (note) {
      setCount(count() + 1);
      if (!panel.hidden) { loadPanel(); }
      // Pages that show what a notification is about follow it (e.g. /transfers).
      document.dispatchEvent(new CustomEvent("exchange:notification", { detail: note || {} }));
    });
  }
  if (typeof window.io === "function") {
    listen();
  } else {  // pages without a socket of their own: load the client once
    var script = document.createElement("script");
    script.src = bell.dataset.socketio;
    script.onload = listen;
    document.head.appendChild(script);
  }
})();
