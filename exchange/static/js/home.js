/* The start page: the free-bed trend of the official's region as a line chart (Chart.js).
   The data comes from #free-bed-trend-data (JSON, never executed). */
(function () {
  "use strict";
  var source = document.getElementById("free-bed-trend-data");
  var canvas = document.getElementById("free-bed-trend");
  if (!source || !canvas || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.free, borderColor: "#1d4f91", tension: 0.2 }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });
})();
