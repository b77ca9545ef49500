/* Writing a concept: the Markdown preview (rendered and sanitised by the server, nh3) and
   attachments uploaded as documents. Texts come from the form's data-* attributes. */
import { api, postFile } from "./common/api.js";
import { debounce } from "./common/dom.js";

const form = document.getElementById("concept-form");
if (form) {
  setUpPreview();
  setUpAttachments(form.dataset);
}

function setUpPreview() {
  const body = document.getElementById("concept-body");
  const preview = document.getElementById("concept-preview");
  function refresh() {
    api("POST", "/concepts/preview", { body: body.value }).then((answer) => {
      if (answer.ok && answer.data) preview.innerHTML = answer.data.html; // sanitised on the server (nh3)
    });
  }
  body.addEventListener("input", debounce(refresh, 300));
  refresh();
}

function setUpAttachments(texts) {
  const list = document.getElementById("concept-attachments");
  const ids = document.getElementById("concept-document-ids");
  const status = document.getElementById("concept-upload-status");
  function syncIds() {
    ids.value = Array.prototype.map.call(list.querySelectorAll("li[data-id]"),
      (li) => li.getAttribute("data-id")).join(",");
  }
  list.addEventListener("click", (event) => {
    if (event.target.hasAttribute("data-remove")) { event.target.closest("li").remove(); syncIds(); }
  });
  document.getElementById("concept-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    status.textContent = texts.textUploading;
    postFile("/documents", file)
      .then((response) => response.json().then((stored) => [response.ok, stored]))
      .then(([ok, stored]) => {
        if (!ok) { status.textContent = stored.message || texts.textUploadFailed; return; }
        const li = document.createElement("li");
        li.setAttribute("data-id", stored.id);
        li.textContent = stored.filename + " ";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.setAttribute("data-remove", "");
        remove.textContent = texts.textRemove;
        li.appendChild(remove);
        list.appendChild(li);
        syncIds();
        status.textContent = texts.textAttached;
        event.target.value = "";
      });
  });
}
