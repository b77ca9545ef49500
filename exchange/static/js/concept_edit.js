/* Writing a concept: the Markdown preview (rendered and sanitised by the server, nh3) and
   attachments uploaded as documents. Texts come from the form's data-* attributes. */
(function () {
  "use strict";
  var form = document.getElementById("concept-form");
  if (!form) { return; }
  var texts = form.dataset;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var body = document.getElementById("concept-body");
  var preview = document.getElementById("concept-preview");
  var timer = null;
  function refresh() {
    fetch("/api/v1/concepts/preview", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({body: body.value})
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { preview.innerHTML = data.html; }  // sanitised on the server (nh3)
    });
  }
  body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  refresh();

  var list = document.getElementById("concept-attachments");
  var ids = document.getElementById("concept-document-ids");
  var status = document.getElementById("concept-upload-status");
  function syncIds() {
    ids.value = Array.prototype.map.call(list.querySelectorAll("li[data-id]"), function (li) {
      return li.getAttribute("data-id"); }).join(",");
  }
  list.addEventListener("click", function (event) {
    if (event.target.hasAttribute("data-remove")) { event.target.closest("li").remove(); syncIds(); }
  });
  document.getElementById("concept-file").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) { return; }
    var data = new FormData();
    data.append("file", file);
    status.textContent = texts.textUploading;
    fetch("/api/v1/documents", {method: "POST", credentials: "same-origin",
                                headers: {"X-CSRFToken": csrf}, body: data})
      .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (answer) {
        if (!answer[0]) { status.textContent = answer[1].message || texts.textUploadFailed; return; }
        var li = document.createElement("li");
        li.setAttribute("data-id", answer[1].id);
        li.textContent = answer[1].filename + " ";
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "link"; remove.setAttribute("data-remove", "");
        remove.textContent = texts.textRemove;
        li.appendChild(remove);
        list.appendChild(li);
        syncIds();
        status.textContent = texts.textAttached;
        event.target.value = "";
      });
  });
})();
