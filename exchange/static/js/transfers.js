/* Live: a transfer notification (the other side asked, accepted, declined or released)
   reloads both tables from the server; a table where a reason is being typed is kept. */
(function () {
  "use strict";
  var ids = ["incoming", "outgoing"];
  function busy(table) {
    return Array.prototype.some.call(table.querySelectorAll("input[name=reason]"), function (input) {
      return input.value !== "" || input === document.activeElement;
    });
  }
  document.addEventListener("exchange:notification", function (event) {
    var kind = (event.detail || {}).kind || "";
    if (kind.indexOf("transfer_") !== 0) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var selector = '[data-testid="' + id + '"]';
          var table = document.querySelector(selector);
          var replacement = fresh.querySelector(selector);
          if (table && replacement && !busy(table)) { table.replaceWith(replacement); }
        });
      })
      .catch(function () { /* the next notification or a reload shows it */ });
  });
})();
