/* The district dashboard's trend of free, occupied and all beds over 60 days, as a line
   chart (the vendor script's global Chart). */
import { api } from "../common/api.js";
import { el } from "../common/dom.js";
import { formatDate, formatNumber, locale } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { forecastSection } from "./forecast.js";
import { errorText } from "./logic.js";

/** The chart's figures as a table below it (for screen readers and keyboard users). */
function figuresTable(points) {
  const rows = document.getElementById("trend-rows");
  if (!rows) return;
  rows.replaceChildren(...points.map((p) => el("tr", {}, [
    el("th", { scope: "row", text: formatDate(p.day) }),
    el("td", { text: formatNumber(p.free, 0) }),
    el("td", { text: formatNumber(p.occupied, 0) }),
    el("td", { text: formatNumber(p.total, 0) }),
  ])));
  document.getElementById("trend-table-box").hidden = false;
}

export function dashboardPage() {
  forecastSection();
  const canvas = document.getElementById("trend");
  const empty = document.getElementById("trendempty");
  function showEmpty(text) {
    canvas.parentNode.hidden = true;
    empty.hidden = false;
    if (text) empty.textContent = text;
  }
  api("GET", "/organizations/" + config.organization_id + "/capacity/trend?days=60").then((answer) => {
    const points = answer.ok ? answer.data : [];
    if (!points.length || typeof window.Chart !== "function") {
      showEmpty(answer.ok ? "" : errorText(answer));
      return;
    }
    canvas.dataset.points = String(points.length);
    figuresTable(points);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: points.map((p) => formatDate(p.day)),
        datasets: [
          { label: t("chart_free"), data: points.map((p) => p.free),
            borderColor: "#2e7d32", backgroundColor: "rgba(46,125,50,.15)", fill: true, tension: .25 },
          { label: t("chart_occupied"), data: points.map((p) => p.occupied),
            borderColor: "#1f4e79", backgroundColor: "#1f4e79", tension: .25 },
          { label: t("chart_total"), data: points.map((p) => p.total),
            borderColor: "#9aa5b1", borderDash: [4, 4], pointRadius: 0, tension: 0 },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        locale: locale(),
      },
    });
  }, () => { showEmpty(t("load_error")); });
}
