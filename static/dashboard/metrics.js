/* Metrics dashboard charts. The page passes its data once, in the JSON script
 * element #metrics-data (Django's json_script); this file draws from it, so
 * the page needs no inline script and a strict content security policy holds. */
(function () {
  "use strict";

  var COLOURS = ["#417690", "#e07b39", "#2e8b57", "#8e44ad", "#c0392b"];

  function readData() {
    var node = document.getElementById("metrics-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  // Money with cents where the amounts are small (a CPC of $0.45), whole units where they are not.
  function money(currency) {
    var whole = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    var cents = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, minimumFractionDigits: 2 });
    return function (value) { return (Math.abs(value) < 100 ? cents : whole).format(value); };
  }

  // Axis ticks: cents on every tick of an axis that stays under 100 (so $0.50 steps read apart).
  function moneyTicks(currency) {
    var whole = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    var cents = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, minimumFractionDigits: 2 });
    return function (value, index, ticks) {
      var top = Math.max.apply(null, ticks.map(function (tick) { return Math.abs(tick.value); }));
      return (top < 100 ? cents : whole).format(value);
    };
  }

  function sparkline(canvas, values) {
    var colour = COLOURS[0];
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: values.map(function (_, i) { return i; }),
        datasets: [{ data: values, borderColor: colour, borderWidth: 1.5, pointRadius: 0, spanGaps: true, fill: false }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: { x: { display: false }, y: { display: false } },
      },
    });
  }

  function barChart(canvas, data) {
    var format = money(data.currency);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.bars.map(function (set, i) {
          return { label: set.label, data: set.data, backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { callback: moneyTicks(data.currency) } } },
        plugins: {
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + format(item.parsed.y); } } },
        },
      },
    });
  }

  function lineChart(canvas, data) {
    var format = money(data.currency);
    var hasRight = data.lines.some(function (set) { return set.axis === "y1"; });
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.lines.map(function (set, i) {
          return {
            label: set.label,
            data: set.data,
            yAxisID: set.axis,
            borderColor: COLOURS[(i + 2) % COLOURS.length],
            backgroundColor: COLOURS[(i + 2) % COLOURS.length],
            borderDash: set.axis === "y1" ? [6, 3] : [],
            pointRadius: data.labels.length > 60 ? 0 : 2,
            spanGaps: false,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: "x spend" } },
          y1: {
            display: hasRight,
            beginAtZero: true,
            position: "right",
            grid: { drawOnChartArea: false },
            ticks: { callback: moneyTicks(data.currency) },
            title: { display: true, text: data.currency },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.dataset.yAxisID === "y1" ? format(item.parsed.y) : item.parsed.y.toFixed(2);
                return item.dataset.label + ": " + value;
              },
            },
          },
        },
      },
    });
  }

  function draw() {
    var data = readData();
    if (!data || typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas.spark").forEach(function (canvas) {
      var values = data.sparks[canvas.dataset.key] || [];
      sparkline(canvas, values);
    });
    var bars = document.getElementById("chart-bars");
    var lines = document.getElementById("chart-lines");
    if (bars) { barChart(bars, data); }
    if (lines) { lineChart(lines, data); }
    document.getElementById("metrics-dashboard").dataset.chartsDrawn = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
