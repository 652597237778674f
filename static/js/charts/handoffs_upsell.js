/* Upsell-conversion report chart: the funnel of the period's signals, raised → accepted →
 * won, as horizontal bars (one row a step). Data comes from the page's
 * <script id="chart-data"> (json_script); redrawn when htmx swaps the report for another
 * period. */
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0ea5e9", "#10b981"];
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
    var canvas = document.getElementById("chart-upsell");
    var data = readData();
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    canvas.parentElement.style.height = data.labels.length * 40 + 40 + "px";
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: data.labels.map(function (_label, index) { return PALETTE[index % PALETTE.length]; }),
          maxBarThickness: 26
        }]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { grid: { display: false } }
        },
        plugins: { legend: { display: false } }
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
