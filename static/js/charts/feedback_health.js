/* Collaboration-health chart: one line per department pair, the health (0–100) per month of
 * the period. Data comes from the page's <script id="chart-data"> (json_script); redrawn
 * when htmx swaps the report for another period. A month without any figure is null: a
 * gap, not a 0 point. */
(function () {
  "use strict";

  var COLOURS = ["#6366f1", "#10b981", "#f59e0b", "#ef4444", "#0ea5e9", "#a855f7", "#64748b"];
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
    var canvas = document.getElementById("chart-health");
    var data = readData();
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    canvas.parentElement.style.height = "280px";
    chart = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (dataset, index) {
          var colour = COLOURS[index % COLOURS.length];
          return {
            label: dataset.label,
            data: dataset.values,
            borderColor: colour,
            backgroundColor: colour,
            spanGaps: false,
            tension: 0,
            pointRadius: 3
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, min: 0, max: 100, ticks: { stepSize: 20 } },
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
