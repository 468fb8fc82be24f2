/* Health charts: each page passes its data once in a json_script element; drawn with the vendored Chart.js. */
(function () {
  "use strict";
  var COLOURS = { succeeded: "#2e8b57", failed: "#c0392b", skipped: "#999999",
                  resilience: "#417690", entropy: "#e07b39", coherence: "#8e44ad" };

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function datasets(series, type) {
    return Object.keys(series).map(function (key) {
      return { label: key, data: series[key], backgroundColor: COLOURS[key], borderColor: COLOURS[key],
               type: type, spanGaps: true, fill: false };
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var runs = read("runs-data"), scores = read("scores-data");
    if (runs && window.Chart) {
      new Chart(document.getElementById("runs-chart"), {
        type: "bar",
        data: { labels: runs.labels, datasets: datasets(runs.series, "bar") },
        options: { animation: false, maintainAspectRatio: false,
                   scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    if (scores && window.Chart) {
      new Chart(document.getElementById("scores-chart"), {
        type: "line",
        data: { labels: scores.labels, datasets: datasets(scores.series, "line") },
        options: { animation: false, maintainAspectRatio: false },
      });
    }
  });
})();
