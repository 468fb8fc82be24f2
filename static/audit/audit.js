/* The audit page's KPI gap chart. The page passes its data once, in the JSON script element
 * #audit-data (Django's json_script), so no inline script is needed under the page's CSP. */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("audit-data");
    var canvas = document.getElementById("gaps-chart");
    if (!node || !canvas || typeof Chart === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var datasets = [{ label: "Latest audit", data: data.latest, backgroundColor: "#c0392b" }];
    if (data.has_previous) {
      datasets.push({ label: "Previous audit", data: data.previous, backgroundColor: "#e6b0aa" });
    }
    var percent = function (value) { return value === null ? "n/a" : value.toFixed(1) + " %"; };
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + percent(ctx.raw); } } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
