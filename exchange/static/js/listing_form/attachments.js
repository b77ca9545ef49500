/* Photos and documents of a listing being edited: uploaded at once as documents, then
   attached (images as photos, the rest as documents); each can be removed. */
import { api, postFile } from "../common/api.js";
import { el } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/** The attachment's kind by the stored document's type. */
export function attachmentKind(contentType) {
  return IMAGE_TYPES.indexOf(contentType) >= 0 ? "photo" : "document";
}

export function setUpAttachments(listingId, message) {
  const fileInput = document.getElementById("listing-files");
  const list = document.getElementById("attachments");

  function render(listing) {
    if (!list) return;
    list.innerHTML = "";
    (listing.photos || []).concat(listing.documents || []).forEach((file) => {
      const preview = file.has_thumbnail
        ? el("img", { src: config.api + "/documents/" + file.id + "/thumbnail", alt: "", loading: "lazy" })
        : null;
      list.appendChild(el("li", { dataset: { documentId: file.id } }, [
        preview,
        el("span", { text: file.filename }),
        el("button", { type: "button", class: "link", text: t("remove"), onclick: () => {
          api("DELETE", "/listings/" + listingId + "/documents/" + file.id).then(reload);
        } }),
      ]));
    });
  }

  function reload() {
    return api("GET", "/listings/" + listingId).then((answer) => {
      if (answer.ok) render(answer.data);
    });
  }

  /** POST /documents (multipart), then attach it; resolves to a problem text or null. */
  function addFile(file) {
    return postFile("/documents", file).then((response) =>
      response.json().catch(() => null).then((stored) => {
        if (!response.ok || !stored) return { ok: false, status: response.status };
        return api("POST", "/listings/" + listingId + "/documents",
          { document_id: stored.id, kind: attachmentKind(stored.content_type) });
      })).then((answer) => {
      if (answer.ok) return null;
      if (answer.status === 413) return t("upload_too_large", { name: file.name });
      if (answer.status === 415) return t("upload_wrong_type", { name: file.name });
      return t("upload_error", { name: file.name });
    }, () => t("upload_error", { name: file.name }));
  }

  if (fileInput && listingId) {
    fileInput.addEventListener("change", () => {
      const files = Array.prototype.slice.call(fileInput.files);
      const problems = [];
      fileInput.disabled = true;
      message.hidden = true;
      files.reduce((previous, file) => previous.then(() => {
        message.classList.remove("flash-error");
        message.textContent = t("uploading", { name: file.name });
        message.hidden = false;
        return addFile(file).then((problem) => { if (problem) problems.push(problem); });
      }), Promise.resolve()).then(() => {
        fileInput.disabled = false;
        fileInput.value = "";
        message.classList.add("flash-error");
        message.textContent = problems.join(" ");
        message.hidden = !problems.length;
        return reload();
      });
    });
  }
  return { render };
}
