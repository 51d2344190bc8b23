// fir: draws each chart of a page from the ECharts option in its data-chart attribute,
// with the ECharts copy shipped in static/vendor/echarts/. Works from file:// (no
// request is made). Every chart has a table with the same numbers beside it, so a page
// without JavaScript loses nothing but the drawing.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    try {
      var option = JSON.parse(element.getAttribute("data-chart"));
      // SVG stays sharp when printed.
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option);
      element.classList.add("drawn");
      charts.push(chart);
    } catch (error) {
      element.classList.add("failed");
      console.error("fir: chart " + element.id + " cannot be drawn: " + error);
    }
  });
  function resize() {
    charts.forEach(function (chart) { chart.resize(); });
  }
  // A chart takes its box's width when drawn; the box may still change after that
  // (the layout settling, a window resized while the page loads, a font arriving):
  // each chart follows its own box, which a resized window resizes too. Without
  // that observer, the window's own resizes are all there is to follow.
  if (typeof ResizeObserver === "function") {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var chart = echarts.getInstanceByDom(entry.target);
        if (chart) chart.resize();
      });
    });
    charts.forEach(function (chart) { observer.observe(chart.getDom()); });
  } else {
    window.addEventListener("resize", resize);
  }
  // Paper is narrower than the screen: redraw to its width before printing.
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) print.addEventListener("change", resize);
  }
})();
