/* SLA scorecard charts: marketing's MQLs delivered against target per tier, and the share of
 * each rep's MQLs answered within the SLA. Data from <script id="chart-data"> (json_script). */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("chart-data");
    if (!node || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(node.textContent);
    var tiers = document.getElementById("chart-delivery");
    if (tiers && data.tiers.labels.length) {
      new window.Chart(tiers, {
        type: "bar",
        data: {
          labels: data.tiers.labels,
          datasets: [
            { label: data.tiers.delivered.label, data: data.tiers.delivered.values, backgroundColor: "#4f46e5" },
            { label: data.tiers.target.label, data: data.tiers.target.values, backgroundColor: "#cbd5e1" }
          ]
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    var reps = document.getElementById("chart-response");
    if (reps && data.reps.labels.length) {
      new window.Chart(reps, {
        type: "bar",
        data: {
          labels: data.reps.labels,
          datasets: [{ label: data.reps.in_sla_rate.label, data: data.reps.in_sla_rate.values, backgroundColor: "#10b981" }]
        },
        options: {
          indexAxis: "y",
          scales: { x: { beginAtZero: true, suggestedMax: 100 } },
          plugins: { legend: { display: false } }
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
