/* Surprise-rate report chart: per month of acceptance, the handoffs accepted (bars, left
 * axis) and the surprise rate (line, right axis, 0–100 %). Data comes from the page's
 * <script id="chart-data"> (json_script); redrawn when htmx swaps the report for another
 * period. A month without accepted handoffs has no rate (null): a gap, not a 0 % point. */
(function () {
  "use strict";

  var chart = null;

  function readData() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw() {
    if (chart) {
      chart.destroy();
      chart = null;
    }
    var canvas = document.getElementById("chart-surprise");
    var data = readData();
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    canvas.parentElement.style.height = "260px";
    chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "line",
            label: data.rate_label,
            data: data.rate,
            yAxisID: "rate",
            borderColor: "#ef4444",
            backgroundColor: "#ef4444",
            spanGaps: false,
            tension: 0,
            order: 0
          },
          {
            type: "bar",
            label: data.accepted_label,
            data: data.accepted,
            yAxisID: "count",
            backgroundColor: "#c7d2fe",
            maxBarThickness: 36,
            order: 1
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          rate: {
            position: "right",
            beginAtZero: true,
            max: 100,
            grid: { display: false },
            ticks: { callback: function (value) { return value + " %"; } }
          },
          count: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
          x: { grid: { display: false } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, font: { size: 11 } } },
          tooltip: { mode: "index", intersect: false }
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.body.addEventListener("htmx:afterSettle", draw);
})();
