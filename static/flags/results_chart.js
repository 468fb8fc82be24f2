// Experiment results: conversion rate per variant (bars) and relative lift
// with its 95% interval (floating bars), from the json_script data.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("flags-results-data");
    var canvas = document.getElementById("flags-results-chart");
    if (!source || !canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var pct = function (v) { return v === null ? null : v * 100; };
    new Chart(canvas, {
      data: {
        labels: data.variants,
        datasets: [
          { type: "bar", label: "Conversion rate (%) on " + data.metric, data: data.rates.map(pct), yAxisID: "rate" },
          {
            type: "bar",
            label: "Lift vs control, 95% interval (%)",
            data: data.ci.map(function (ci) { return ci === null ? null : [ci[0] * 100, ci[1] * 100]; }),
            yAxisID: "lift"
          },
          { type: "line", label: "Lift (%)", data: data.lifts.map(pct), yAxisID: "lift", showLine: false, pointRadius: 6 }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          rate: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: "rate %" } },
          lift: { type: "linear", position: "right", title: { display: true, text: "lift %" }, grid: { drawOnChartArea: false } }
        }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
