/* The start page: the free-bed trend of the official's region as a line chart (the vendor
   script's global Chart). The data comes from #free-bed-trend-data (JSON, never executed). */
import { readJson } from "./common/page.js";

const source = document.getElementById("free-bed-trend-data");
const canvas = document.getElementById("free-bed-trend");
if (source && canvas && window.Chart) {
  const data = readJson("free-bed-trend-data");
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.free, borderColor: "#1d4f91", tension: 0.2 }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });
}
