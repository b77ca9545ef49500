/* The dashboard's forecast: free beds at the end of each of the next 12 weeks as a line
   chart (total, each shelter kind, the threshold) drawn from the JSON the server renders
   with the table; entering or removing an allocation goes through the API, then the
   table and the chart are fetched again. No text lives here: the table comes from the
   server in the reader's language. */
import { api } from "../common/api.js";
import { formatDate, locale } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { errorText } from "./logic.js";

const COLOURS = { collective: "#1f4e79", flat: "#6a3d9a", emergency: "#b26a00" };

function readData() {
  const node = document.getElementById("forecast-data");
  return node ? JSON.parse(node.textContent) : null;
}

/** The chart's datasets from the forecast JSON (exported for tests of the page). */
export function forecastDatasets(forecast, kinds) {
  const weeks = forecast.weeks;
  const sets = [{
    label: t("forecast_total"), data: weeks.map((w) => w.free),
    borderColor: "#2e7d32", backgroundColor: "rgba(46,125,50,.15)", fill: true, tension: .2,
  }];
  Object.keys(forecast.by_kind_today).forEach((kind) => {
    sets.push({ label: kinds[kind] || kind, data: weeks.map((w) => w.by_kind[kind]),
      borderColor: COLOURS[kind] || "#555", tension: .2 });
  });
  if (forecast.threshold !== null && forecast.threshold !== undefined) {
    sets.push({ label: t("forecast_threshold"), data: weeks.map(() => forecast.threshold),
      borderColor: "#c62828", borderDash: [4, 4], pointRadius: 0 });
  }
  return sets;
}

function parseHouseholds(text) {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  return parts.map((part) => (/^\d+$/.test(part) ? parseInt(part, 10) : part));
}

export function forecastSection() {
  const canvas = document.getElementById("forecastchart");
  const body = document.getElementById("forecastbody");
  const form = document.getElementById("allocationform");
  if (!canvas || !body || !form) return;
  let chart = null;

  function draw() {
    const data = readData();
    if (!data) return;
    const labels = data.forecast.weeks.map((w) => formatDate(w.starts_on));
    const datasets = forecastDatasets(data.forecast, data.kinds);
    canvas.dataset.free = data.forecast.weeks.map((w) => w.free).join(",");
    if (typeof window.Chart !== "function") return;
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update();
      return;
    }
    chart = new window.Chart(canvas, {
      type: "line",
      data: { labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { ticks: { precision: 0 } } },
        locale: locale(),
      },
    });
  }

  function refresh() {
    return fetch(config.forecast_url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response)))
      .then((html) => { body.innerHTML = html; draw(); });
  }

  const error = document.getElementById("allocationerror");
  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const payload = {
      arrives_on: values.get("arrives_on"),
      persons: values.get("persons") === "" ? null : Number(values.get("persons")),
      households: parseHouseholds(String(values.get("households") || "")),
      shelter_kind: values.get("shelter_kind") || null,
      note: values.get("note") || "",
    };
    const path = "/capacity/organizations/" + config.organization_id + "/allocations";
    api("POST", path, payload).then((answer) => {
      if (!answer.ok) { showError(errorText(answer)); return; }
      showError("");
      form.reset();
      refresh().catch(() => showError(t("load_error")));
    }, () => showError(t("load_error")));
  });

  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-delete-allocation]");
    if (!button) return;
    api("DELETE", "/capacity/allocations/" + button.dataset.deleteAllocation).then((answer) => {
      if (!answer.ok) { showError(errorText(answer)); return; }
      refresh().catch(() => showError(t("load_error")));
    }, () => showError(t("load_error")));
  });

  draw();
}
