/* Live: a transfer notification (the other side asked, accepted, declined, withdrew or
   released) reloads the request tables (/transfers) or the request (/transfers/<id>) from
   the server; one where a reason is being typed is kept. */
const TABLES = ["incoming", "outgoing", "transfer-detail"];

function busy(table) {
  return Array.prototype.some.call(table.querySelectorAll("input[name=reason]"),
    (input) => input.value !== "" || input === document.activeElement);
}

document.addEventListener("exchange:notification", (event) => {
  const kind = (event.detail || {}).kind || "";
  if (kind.indexOf("transfer_") !== 0) return;
  fetch(window.location.href, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.text() : Promise.reject(response)))
    .then((html) => {
      const fresh = new DOMParser().parseFromString(html, "text/html");
      TABLES.forEach((id) => {
        const selector = '[data-testid="' + id + '"]';
        const table = document.querySelector(selector);
        const replacement = fresh.querySelector(selector);
        if (table && replacement && !busy(table)) table.replaceWith(replacement);
      });
    })
    .catch(() => { /* the next notification or a reload shows it */ });
});
