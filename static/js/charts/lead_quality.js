/* Lead-quality report charts: MQL → accepted rate per group (bars) and rejection reasons per
 * group (stacked bars). Data comes from the page's <script id="chart-data"> (json_script);
 * redrawn when htmx swaps the report for another range or grouping. */
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#64748b"];
  var charts = [];

  function readData() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function destroy() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
  }

  function draw() {
    destroy();
    var data = readData();
    if (!data || typeof window.Chart === "undefined") {
      return;
    }
    var rate = document.getElementById("chart-accepted-rate");
    if (rate) {
      charts.push(new window.Chart(rate, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{
            label: data.accepted_rate.label,
            data: data.accepted_rate.values,
            backgroundColor: PALETTE[0]
          }]
        },
        options: {
          scales: { y: { beginAtZero: true, suggestedMax: 100 } },
          plugins: { legend: { display: false } }
        }
      }));
    }
    var reasons = document.getElementById("chart-rejections");
    if (reasons) {
      charts.push(new window.Chart(reasons, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.rejections.datasets.map(function (dataset, index) {
            return {
              label: dataset.label,
              data: dataset.values,
              backgroundColor: PALETTE[index % PALETTE.length]
            };
          })
        },
        options: {
          scales: {
            x: { stacked: true },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
          }
        }
      }));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.body.addEventListener("htmx:afterSettle", draw);
})();
