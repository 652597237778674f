/* Lead-quality report charts: MQL → accepted rate per group and rejection reasons per group
 * (stacked), both as horizontal bars so that long source and campaign names stay readable.
 * Data comes from the page's <script id="chart-data"> (json_script); redrawn when htmx swaps
 * the report for another range or grouping.
 *
 * Readability: one row per group with a fixed height (the chart's box grows with the number
 * of groups instead of squeezing the bars to nothing), names cut to fit (at least LABEL_CHARS
 * characters) with the full name in the tooltip, the legend below the bars and only when there is more than one series,
 * and the tooltip lists only the reasons a group actually has. */
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#64748b"];
  var ROW_HEIGHT = 34;
  var AXIS_HEIGHT = 40;
  var LEGEND_ROW_HEIGHT = 22;
  var LEGEND_PER_ROW = 3;
  var LABEL_CHARS = 22;
  var charts = [];

  function readData() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function destroy() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
  }

  // Names get about a third of the chart's width (at least LABEL_CHARS characters).
  function shorten(label, chart) {
    var text = String(label);
    var room = Math.max(LABEL_CHARS, Math.min(40, Math.round(chart.width / 20)));
    return text.length > room ? text.slice(0, room - 1).trimEnd() + "…" : text;
  }

  // The canvas's box: a height that leaves every group its own row, whatever the legend takes.
  function sizeBox(canvas, groups, series) {
    var legendRows = series > 1 ? Math.ceil(series / LEGEND_PER_ROW) : 0;
    var height = Math.max(groups, 1) * ROW_HEIGHT + AXIS_HEIGHT + legendRows * LEGEND_ROW_HEIGHT;
    canvas.parentElement.style.height = height + "px";
  }

  function categoryAxis() {
    return {
      stacked: true,
      grid: { display: false },
      ticks: {
        autoSkip: false,
        callback: function (value) { return shorten(this.getLabelForValue(value), this.chart); }
      }
    };
  }

  function options(valueAxis, series, tooltip) {
    return {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: valueAxis, y: categoryAxis() },
      plugins: {
        legend: {
          display: series > 1,
          position: "bottom",
          labels: { boxWidth: 12, boxHeight: 12, font: { size: 11 } }
        },
        tooltip: tooltip
      }
    };
  }

  function draw() {
    destroy();
    var data = readData();
    if (!data || typeof window.Chart === "undefined") {
      return;
    }
    var labels = data.labels || [];
    var rate = document.getElementById("chart-accepted-rate");
    if (rate) {
      sizeBox(rate, labels.length, 1);
      charts.push(new window.Chart(rate, {
        type: "bar",
        data: {
          labels: labels,
          datasets: [{
            label: data.accepted_rate.label,
            // A group without MQLs has no rate (null): no bar, not a 0 % bar.
            data: data.accepted_rate.values,
            backgroundColor: PALETTE[0],
            maxBarThickness: 22
          }]
        },
        options: options(
          {
            beginAtZero: true,
            max: 100,
            ticks: { callback: function (value) { return value + " %"; } }
          },
          1,
          {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + item.formattedValue; }
            }
          }
        )
      }));
    }
    var reasons = document.getElementById("chart-rejections");
    if (reasons) {
      var datasets = data.rejections.datasets.map(function (dataset, index) {
        return {
          label: dataset.label,
          data: dataset.values,
          backgroundColor: PALETTE[index % PALETTE.length],
          maxBarThickness: 22
        };
      });
      sizeBox(reasons, labels.length, datasets.length);
      charts.push(new window.Chart(reasons, {
        type: "bar",
        data: { labels: labels, datasets: datasets },
        options: options(
          { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          datasets.length,
          {
            mode: "index",
            axis: "y",
            intersect: false,
            filter: function (item) { return item.parsed.x > 0; }
          }
        )
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
