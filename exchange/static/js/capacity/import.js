/* The registry import: the file goes up with a progress bar (XMLHttpRequest, which reports
   upload progress), the server reports rows checked on the shared socket, and the answer
   is shown as a report (counts, errors by row, likely duplicates). */
import { api, csrfToken } from "../common/api.js";
import { el } from "../common/dom.js";
import { formatNumber, formatPercent } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { sharedSocket } from "../common/socket.js";
import { duplicateOf, encodingLabel, errorText, importVerdict, isImportReport, personLabel } from "./logic.js";

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function importPage() {
  const form = document.getElementById("importform");
  const progress = document.getElementById("importprogress");
  const bar = progress.querySelector("progress");
  const text = progress.querySelector(".progresstext");
  const report = document.getElementById("importreport");
  const template = document.getElementById("reporttemplate");
  const submit = form.querySelector("button[type=submit]");

  function showFailure(status, data) {
    const verdict = report.querySelector(".verdict");
    verdict.textContent = status === 404 || status === 405 ? t("import_missing")
      : (data && data.message) || errorText({ status, data });
    verdict.className = "verdict error";
    report.querySelector(".counts").hidden = true;
  }

  function duplicateRow(dupe) {
    const { id, who } = duplicateOf(dupe);
    const link = id ? el("a", { href: config.person_url.replace("/0", "/" + id), text: who }) : who;
    // The report names the registered person by id; the caseworker wants the name.
    if (id && !dupe.name) {
      api("GET", "/persons/" + id).then((answer) => {
        if (answer.ok) link.textContent = personLabel(answer.data) + (answer.data.external_id ? " (" + answer.data.external_id + ")" : "");
      });
    }
    return el("tr", {}, [
      el("td", { text: dupe.row !== undefined ? String(dupe.row) : "" }),
      el("td", {}, link),
      el("td", { text: dupe.score !== undefined ? formatNumber(dupe.score * 100, 0) + " %" : "" }),
    ]);
  }

  function showReport(status, data, dryRun) {
    report.hidden = false;
    report.innerHTML = "";
    report.appendChild(template.content.cloneNode(true));
    if (!isImportReport(data)) { showFailure(status, data); return; }
    const verdict = report.querySelector(".verdict");
    const errors = data.errors || [];
    const duplicates = data.duplicates || [];
    ["created", "updated", "unchanged"].forEach((name) => {
      report.querySelector('[data-field="' + name + '"]').textContent = formatNumber(data[name] || 0, 0);
    });
    report.querySelector('[data-field="errors"]').textContent = formatNumber(errors.length, 0);
    const outcome = importVerdict(data, dryRun);
    verdict.textContent = t(outcome.key);
    if (data.more_errors) verdict.textContent += " " + t("more_errors", { n: formatNumber(data.more_errors, 0) });
    verdict.className = "verdict " + (outcome.ok ? "ok" : "error");
    if (data.encoding) {
      report.querySelector(".encoding").textContent = t(data.bom ? "read_as_bom" : "read_as",
        { encoding: encodingLabel(data.encoding) });
    }
    if (errors.length) {
      report.querySelector(".errors").hidden = false;
      const body = report.querySelector(".errors tbody");
      errors.forEach((error) => {
        body.appendChild(el("tr", {}, [
          el("td", { text: String(error.row) }), el("td", { text: error.column || error.field || "" }),
          el("td", { text: error.message || "" }),
        ]));
      });
    }
    if (duplicates.length) {
      report.querySelector(".duplicates").hidden = false;
      const rows = report.querySelector(".duplicates tbody");
      duplicates.forEach((dupe) => { rows.appendChild(duplicateRow(dupe)); });
    }
  }

  // The server tells the importing user's sockets how far it is (rows checked so far).
  let running = false;
  sharedSocket().on("import_progress", (payload) => {
    if (!running || !payload || !progress.classList.contains("working")) return;
    text.textContent = t("checking_rows", { n: formatNumber(payload.rows_done || 0, 0) });
  });

  function finished() {
    running = false;
    submit.disabled = false;
    progress.hidden = true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    running = true;
    const data = new FormData(form);
    const dryRun = form.elements.dry_run.checked;
    data.set("dry_run", dryRun ? "true" : "false");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", config.api + "/registry/imports");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.withCredentials = true;
    progress.hidden = false;
    progress.classList.remove("working");
    bar.value = 0;
    text.textContent = t("uploading", { percent: formatPercent(0) });
    report.hidden = true;
    submit.disabled = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const done = Math.round(100 * e.loaded / e.total);
      bar.value = done;
      text.textContent = t("uploading", { percent: formatPercent(done) });
    });
    xhr.upload.addEventListener("load", () => {
      bar.value = 100;
      progress.classList.add("working");
      text.textContent = t("checking");
    });
    xhr.addEventListener("load", () => {
      finished();
      showReport(xhr.status, parseJson(xhr.responseText), dryRun);
    });
    xhr.addEventListener("error", () => {
      finished();
      showReport(0, null, dryRun);
    });
    xhr.send(data);
  });
}
