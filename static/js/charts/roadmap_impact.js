/* "Lost & winnable revenue" chart: per feature (the 15 biggest), a horizontal stacked bar of
 * revenue lost for lack of it, open deals waiting for it, expansion and retention. Data comes
 * from the page's <script id="chart-data"> (json_script); redrawn when htmx swaps the report
 * for other filters. One row per feature with a fixed height, names cut to fit with the full
 * name in the tooltip, amounts in the organization's currency. */
(function () {
  "use strict";

  var PALETTE = ["#ef4444", "#4f46e5", "#10b981", "#f59e0b"];
  var ROW_HEIGHT = 34;
  var EXTRA_HEIGHT = 70;
  var LABEL_CHARS = 24;
  var chart = null;

  function readData() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function formatter(currency) {
    var lang = document.documentElement.lang || "en";
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    } catch (error) {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    }
  }

  function shorten(text) {
    text = String(text);
    return text.length > LABEL_CHARS ? text.slice(0, LABEL_CHARS - 1).trimEnd() + "…" : text;
  }

  function draw() {
    if (chart) {
      chart.destroy();
      chart = null;
    }
    var canvas = document.getElementById("chart-impact");
    var data = readData();
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    var money = formatter(data.currency || "EUR");
    canvas.parentElement.style.height = Math.max(data.labels.length, 1) * ROW_HEIGHT + EXTRA_HEIGHT + "px";
    chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            backgroundColor: PALETTE[index % PALETTE.length],
            maxBarThickness: 22
          };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { callback: function (value) { return money.format(value); } } },
          y: {
            stacked: true,
            grid: { display: false },
            ticks: { autoSkip: false, callback: function (value) { return shorten(this.getLabelForValue(value)); } }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, font: { size: 11 } } },
          tooltip: {
            mode: "index",
            axis: "y",
            intersect: false,
            filter: function (item) { return item.parsed.x > 0; },
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + money.format(item.parsed.x); }
            }
          }
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
