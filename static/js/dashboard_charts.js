/* Dashboard charts (Apache ECharts, vendored): data comes from the page's json_script block, never inline code. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent || "{}");
  var charts = [];

  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  if (data.series) {
    mount("chart-series", {
      title: { text: data.series.title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 48 },
      xAxis: { type: "category", data: data.series.quarters },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.lines.map(function (line) {
        return { name: line.name, type: "bar", data: line.data };
      })
    });
  }
  if (data.coverage) {
    var names = data.coverage.names.slice().reverse();
    var values = data.coverage.values.slice().reverse();
    mount("chart-coverage", {
      title: { text: data.coverage.title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: names, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", data: values, itemStyle: { color: "#15803d" }, label: { show: true, position: "right", formatter: "{c}%" } }]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
