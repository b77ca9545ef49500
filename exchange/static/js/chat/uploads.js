/* Files for the next message: chosen, pasted or dropped on the pane, uploaded at once as
   documents, listed with their state until sent or removed. */
import { postFile } from "../common/api.js";
import { el } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { updateSendButton } from "./composer.js";
import { ui } from "./elements.js";
import { formatSize } from "./format.js";
import { state } from "./state.js";

export function uploading() {
  return state.pending.some((item) => item.status === "uploading");
}

function tooLarge(file) {
  return t("upload_too_large", { name: file.name, max: formatSize(config.max_upload_bytes) });
}

export function addFiles(files) {
  if (!state.member) return;
  Array.prototype.forEach.call(files, (file) => {
    const item = { file, status: "uploading", document: null, error: "",
      preview: file.type.indexOf("image/") === 0 ? URL.createObjectURL(file) : null };
    state.pending.push(item);
    if (file.size > config.max_upload_bytes) {
      item.status = "error";
      item.error = tooLarge(file);
    } else {
      upload(item);
    }
  });
  renderPending();
}

function upload(item) {
  const name = item.file.name;
  postFile("/documents", item.file).then((response) =>
    response.json().catch(() => null).then((body) => {
      if (response.status === 201) {
        item.status = "done";
        item.document = body;
      } else {
        item.status = "error";
        item.error = response.status === 413 ? tooLarge(item.file)
          : response.status === 415 ? t("upload_wrong_type", { name })
            : t("upload_error", { name });
      }
    }), () => {
    item.status = "error";
    item.error = t("upload_error", { name });
  }).then(() => {
    if (state.pending.indexOf(item) >= 0) renderPending();
  });
}

function removePending(item) {
  if (item.preview) URL.revokeObjectURL(item.preview);
  state.pending = state.pending.filter((other) => other !== item);
  renderPending();
}

export function clearPending() {
  state.pending.forEach((item) => { if (item.preview) URL.revokeObjectURL(item.preview); });
  state.pending = [];
  renderPending();
}

function renderPending() {
  ui.pendingList.innerHTML = "";
  state.pending.forEach((item) => {
    ui.pendingList.appendChild(el("li", { class: "pending " + item.status, "data-testid": "pending-file",
      dataset: { status: item.status } }, [
      item.preview ? el("img", { src: item.preview, alt: "" }) : el("span", { class: "fileicon", text: "…" }),
      el("span", { class: "filename", text: item.file.name }),
      el("span", { class: "muted small", text: item.status === "uploading" ? t("uploading_short")
        : item.status === "error" ? item.error : formatSize(item.file.size) }),
      el("button", { type: "button", class: "link close", "aria-label": t("remove"), title: t("remove"),
        text: "×", onclick: () => { removePending(item); } }),
    ]));
  });
  ui.pendingList.hidden = state.pending.length === 0;
  updateSendButton();
}

function hasFiles(event) {
  const types = event.dataTransfer && event.dataTransfer.types;
  return Boolean(types) && Array.prototype.indexOf.call(types, "Files") >= 0;
}

/** The file input and dropping files on the pane. */
export function setUpUploads() {
  let dragDepth = 0;
  ui.pane.addEventListener("dragenter", (event) => {
    if (!hasFiles(event) || !state.member) return;
    event.preventDefault();
    dragDepth += 1;
    ui.dropzone.hidden = false;
  });
  ui.pane.addEventListener("dragover", (event) => {
    if (!hasFiles(event) || !state.member) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  ui.pane.addEventListener("dragleave", (event) => {
    if (!hasFiles(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) ui.dropzone.hidden = true;
  });
  ui.pane.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    ui.dropzone.hidden = true;
    addFiles(event.dataTransfer.files);
    ui.input.focus();
  });
  ui.fileInput.addEventListener("change", () => {
    addFiles(ui.fileInput.files);
    ui.fileInput.value = "";
    ui.input.focus();
  });
}
