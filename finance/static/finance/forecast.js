/* The forecast page's charts. Data comes once from the json_script element
   "forecast-data"; money arrives as decimal strings and becomes numbers only here,
   for drawing. No inline script: the page works under a strict CSP. */
(function () {
  "use strict";

  var PALETTE = ["#417690", "#2e9e5b", "#c0392b", "#8e44ad", "#d68910", "#16a085"];

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  // Axis ticks in whole units, tooltips to the cent; the currency is in each caption.
  var TICK = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var CENTS = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function tick(value) { return TICK.format(value); }
  function cents(value) { return CENTS.format(value); }
  function percent(value) { return value + " %"; }

  // Draws a dashed vertical line at each dataset's break-even label.
  var breakEvenLines = {
    id: "breakEvenLines",
    afterDatasetsDraw: function (chart, args, options) {
      var marks = options.marks || [];
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      marks.forEach(function (mark) {
        var index = chart.data.labels.indexOf(mark.label);
        if (index < 0) { return; }
        var position = x.getPixelForValue(index);
        ctx.save();
        ctx.strokeStyle = mark.color;
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(position, area.top);
        ctx.lineTo(position, area.bottom);
        ctx.stroke();
        ctx.restore();
      });
    }
  };

  function lineChart(id, data, key, format, withBreakEven) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    var datasets = [];
    var marks = [];
    data.scenarios.forEach(function (scenario, i) {
      var color = PALETTE[i % PALETTE.length];
      datasets.push({
        label: scenario.name,
        data: scenario[key].map(num),
        borderColor: color,
        backgroundColor: color,
        pointRadius: 0,
        tension: 0.2
      });
      if (withBreakEven && scenario.break_even_label) {
        var index = data.labels.indexOf(scenario.break_even_label);
        var points = data.labels.map(function () { return null; });
        points[index] = num(scenario[key][index]);
        datasets.push({
          label: scenario.name + " break-even",
          breakEven: true,
          data: points,
          type: "line",
          showLine: false,
          pointRadius: 6,
          pointStyle: "circle",
          borderColor: color,
          backgroundColor: color
        });
        marks.push({ label: scenario.break_even_label, color: color });
      }
    });
    return new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      plugins: [breakEvenLines],
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { ticks: { callback: tick } } },
        plugins: {
          breakEvenLines: { marks: marks },
          // The break-even points are explained by the caption; keep the legend to scenarios.
          legend: { labels: { filter: function (item, chartData) {
            return !chartData.datasets[item.datasetIndex].breakEven;
          } } },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + (c.parsed.y === null ? "n/a" : format(c.parsed.y));
          } } }
        }
      }
    });
  }

  function tornado(id, rows, step, format, whole) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [
          { label: "−" + step + " %", data: rows.map(function (r) { return num(r.low); }), backgroundColor: "#c0392b" },
          { label: "+" + step + " %", data: rows.map(function (r) { return num(r.high); }), backgroundColor: "#2e9e5b" }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, ticks: { callback: whole ? format : tick, precision: whole ? 0 : undefined } },
          y: { stacked: true }
        },
        plugins: { tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ": " + (c.parsed.x > 0 ? "+" : "") + format(c.parsed.x);
        } } } }
      }
    });
  }

  function curveChart(id, curve) {
    var canvas = document.getElementById(id);
    if (!canvas || !curve) { return null; }
    var datasets = curve.cohorts.map(function (cohort) {
      return {
        label: "cohort " + cohort.label,
        cohort: true,
        data: cohort.shares.map(num),
        borderColor: "rgba(120, 120, 120, 0.35)",
        backgroundColor: "rgba(120, 120, 120, 0.35)",
        borderWidth: 1,
        pointRadius: 2,
        spanGaps: false
      };
    });
    datasets.push({ label: "Measured (pooled)", data: curve.measured.map(num), borderColor: "#2e9e5b", backgroundColor: "#2e9e5b", pointRadius: 4, showLine: false });
    datasets.push({
      label: "Curve used (projected from month " + curve.projected_from + ")",
      data: curve.used.map(num),
      borderColor: "#417690",
      backgroundColor: "#417690",
      borderWidth: 3,
      pointRadius: 0,
      segment: { borderDash: function (ctx) { return ctx.p1DataIndex >= curve.projected_from - 1 ? [6, 4] : undefined; } }
    });
    return new Chart(canvas, {
      type: "line",
      data: { labels: curve.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: percent } } },
        plugins: {
          legend: { labels: { filter: function (item, chartData) {
            return !chartData.datasets[item.datasetIndex].cohort;
          } } },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + (c.parsed.y === null ? "not observed" : c.parsed.y + " %");
          } } }
        }
      }
    });
  }

  function actualsChart(id, actuals, format) {
    var canvas = document.getElementById(id);
    if (!canvas || !actuals.labels.length) { return null; }
    var revenue = actuals.metrics[actuals.primary];
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: actuals.labels,
        datasets: [
          { label: "Actual", data: revenue.actual.map(num), backgroundColor: "#417690" },
          { label: "Forecast", data: revenue.forecast.map(num), type: "line", borderColor: "#d68910", backgroundColor: "#d68910" }
        ]
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { ticks: { callback: tick } } },
        plugins: { tooltip: { callbacks: { label: function (c) {
          var partial = actuals.partial[c.dataIndex] && c.dataset.label === "Actual" ? " (partial month)" : "";
          return c.dataset.label + ": " + (c.parsed.y === null ? "no data" : format(c.parsed.y)) + partial;
        } } } }
      }
    });
  }

  // Marks each canvas once Chart.js has rendered it (browser tests read this).
  var markDrawn = {
    id: "markDrawn",
    afterRender: function (chart) { chart.canvas.setAttribute("data-drawn", "true"); }
  };

  function draw() {
    var element = document.getElementById("forecast-data");
    if (!element || typeof Chart === "undefined") { return; }
    Chart.register(markDrawn);
    // Figures, not a show: draw at once (also what a headless browser test sees).
    Chart.defaults.animation = false;
    var data = JSON.parse(element.textContent);
    var format = cents;
    var months = function (value) { return (value > 0 ? "+" : "") + value + " mo"; };
    lineChart("chart-mrr", data, "headline", format, false);
    lineChart("chart-cash", data, "cash", format, true);
    curveChart("chart-curve", data.curve);
    if (data.levers) {
      tornado("chart-levers-mrr", data.levers.mrr, data.levers.step, format, false);
      tornado("chart-levers-break-even", data.levers.break_even, data.levers.step, months, true);
    }
    actualsChart("chart-actuals", data.actuals, format);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
