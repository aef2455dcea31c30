// horde report charts: a small SVG renderer for the data in #report-data (no library, no network).
// Every text comes from the data and is set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f6feb", "#d4731c", "#b42318", "#177245", "#7a3fb0"];
  var data = JSON.parse(document.getElementById("report-data").textContent);

  function node(tag, attrs, parent) {
    var el = document.createElementNS(NS, tag);
    for (var key in attrs) el.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(el);
    return el;
  }

  function undelta(values) {
    var out = [], sum = 0;
    for (var i = 0; i < values.length; i++) { sum += values[i]; out.push(sum); }
    return out;
  }

  function ticks(lo, hi, count) {
    if (!(hi > lo)) hi = lo + 1;
    var raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).find(function (s) { return s >= raw; });
    var out = [], top = Math.ceil(hi / step - 1e-9) * step;
    for (var v = Math.ceil(lo / step) * step; v <= top + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  // Round steps of a clock (1 s ... 1 h, then hours), at most about ``count`` of them.
  function timeTicks(span, count) {
    var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    var step = steps.find(function (s) { return span / s <= count; }) || Math.ceil(span / count / 86400) * 86400;
    var out = [];
    for (var v = 0; v <= span; v += step) out.push(v);
    return out;
  }

  function clock(seconds) {
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(s % 60).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }

  function short(v) {
    if (v === null || v === undefined) return "–";
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toPrecision(3) + "M";
    if (a >= 1e4) return (v / 1e3).toPrecision(3) + "k";
    return String(+v.toPrecision(4));
  }

  // A line chart: x in seconds from the start; lines: [{label, values, axis: 0|1}].
  function lineChart(box, xs, lines, yLog) {
    box.textContent = "";
    var W = box.clientWidth || 600, H = box.clientHeight || 260;
    var L = 52, R = lines.some(function (l) { return l.axis; }) ? 48 : 12, T = 10, B = 40;
    var svg = node("svg", { viewBox: "0 0 " + W + " " + H, role: "img" }, box);
    if (!xs.length) {
      node("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis" }, svg).textContent = "no data";
      return svg;
    }
    var x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
    var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var scales = [0, 1].map(function (axis) {
      var max = 0;
      lines.forEach(function (l) { if ((l.axis || 0) === axis) l.values.forEach(function (v) { if (v > max) max = v; }); });
      var tk = ticks(0, max || 1, 5), top = tk[tk.length - 1];
      return { ticks: tk, y: function (v) { return H - B - (v / top) * (H - T - B); } };
    });
    var grid = node("g", { class: "grid" }, svg), axis = node("g", { class: "axis" }, svg);
    scales[0].ticks.forEach(function (v) {
      var y = scales[0].y(v);
      node("line", { x1: L, x2: W - R, y1: y, y2: y }, grid);
      node("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, axis).textContent = short(v);
    });
    if (R > 12) scales[1].ticks.forEach(function (v) {
      node("text", { x: W - R + 6, y: scales[1].y(v) + 4 }, axis).textContent = short(v);
    });
    timeTicks(x1 - x0, 6).forEach(function (v) {
      node("text", { x: sx(x0 + v), y: H - B + 16, "text-anchor": "middle" }, axis).textContent = clock(v);
    });
    var legend = node("g", { class: "legend" }, svg), lx = L;
    lines.forEach(function (l, i) {
      var sy = scales[l.axis || 0].y, d = "";
      for (var k = 0; k < xs.length; k++) d += (k ? "L" : "M") + sx(xs[k]).toFixed(1) + "," + sy(l.values[k] || 0).toFixed(1);
      node("path", { d: d, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.5, "data-series": l.label }, svg);
      node("rect", { x: lx, y: H - 14, width: 10, height: 3, fill: COLORS[i % COLORS.length] }, legend);
      var text = node("text", { x: lx + 14, y: H - 9 }, legend);
      text.textContent = l.label;
      lx += 24 + l.label.length * 6.5;
    });
    hover(box, svg, xs, lines, sx, L, W - R, T, H - B);
    return svg;
  }

  function hover(box, svg, xs, lines, sx, left, right, top, bottom) {
    var tip = document.createElement("div"), rule = node("line", { y1: top, y2: bottom, stroke: "#999", visibility: "hidden" }, svg);
    tip.className = "tip";
    tip.hidden = true;
    box.appendChild(tip);
    svg.addEventListener("mousemove", function (event) {
      var rect = svg.getBoundingClientRect(), px = (event.clientX - rect.left) * (svg.viewBox.baseVal.width / rect.width);
      if (px < left || px > right) { tip.hidden = true; rule.setAttribute("visibility", "hidden"); return; }
      var lo = 0, hi = xs.length - 1;
      while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (sx(xs[mid]) < px) lo = mid; else hi = mid; }
      var k = Math.abs(sx(xs[lo]) - px) < Math.abs(sx(xs[hi]) - px) ? lo : hi;
      rule.setAttribute("x1", sx(xs[k])); rule.setAttribute("x2", sx(xs[k])); rule.setAttribute("visibility", "visible");
      tip.textContent = clock(xs[k] - xs[0]) + lines.map(function (l) { return "\n" + l.label + ": " + short(l.values[k]); }).join("");
      tip.hidden = false;
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; rule.setAttribute("visibility", "hidden"); });
  }

  // Bars of the log-binned distribution: edges[i] is the upper edge (ms) of counts[i].
  function barChart(box, dist) {
    box.textContent = "";
    var W = box.clientWidth || 600, H = box.clientHeight || 260, L = 52, R = 12, T = 10, B = 40;
    var svg = node("svg", { viewBox: "0 0 " + W + " " + H, role: "img" }, box);
    var n = dist ? dist.counts.length : 0;
    if (!n) {
      node("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis" }, svg).textContent = "no data";
      return svg;
    }
    var max = Math.max.apply(null, dist.counts), tk = ticks(0, max, 4), top = tk[tk.length - 1];
    var bw = (W - L - R) / n, axis = node("g", { class: "axis" }, svg), grid = node("g", { class: "grid" }, svg);
    tk.forEach(function (v) {
      var y = H - B - v / top * (H - T - B);
      node("line", { x1: L, x2: W - R, y1: y, y2: y }, grid);
      node("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, axis).textContent = short(v);
    });
    var every = Math.max(1, Math.ceil(n / 8));
    dist.counts.forEach(function (c, i) {
      var h = c / top * (H - T - B), bar = node("rect", { x: L + i * bw + 1, y: H - B - h, width: Math.max(bw - 2, 1), height: h, fill: COLORS[0] }, svg);
      node("title", {}, bar).textContent = "≤ " + short(dist.edges[i]) + " ms: " + c;
      if (i % every === 0) node("text", { x: L + (i + 1) * bw, y: H - B + 16, "text-anchor": "middle" }, axis).textContent = short(dist.edges[i]);
    });
    return svg;
  }

  var select = document.getElementById("series-select");
  var labels = [];
  data.series.forEach(function (s) { labels.push(s.label); });
  data.dist.forEach(function (d) { if (labels.indexOf(d.label) < 0) labels.push(d.label); });
  labels.forEach(function (label, i) {
    var option = document.createElement("option");
    option.value = String(i);
    option.textContent = label;
    select.appendChild(option);
  });
  var users = data.series.length ? data.series[0] : null;

  function show(label) {
    var s = data.series.find(function (x) { return x.label === label; });
    var d = data.dist.find(function (x) { return x.label === label; });
    var xs = s ? undelta(s.t) : [];
    var rpsLines = [{ label: "requests/s", values: s ? s.rps : [] }];
    if (s && users && s === users) rpsLines.push({ label: "users", values: users.users, axis: 1 });
    lineChart(document.getElementById("chart-rps"), xs, rpsLines);
    lineChart(document.getElementById("chart-fails"), xs, [{ label: "failures/s", values: s ? s.fps : [] }]);
    lineChart(document.getElementById("chart-latency"), xs, [
      { label: "p50", values: s ? s.p50 : [] }, { label: "p95", values: s ? s.p95 : [] }, { label: "p99", values: s ? s.p99 : [] }]);
    barChart(document.getElementById("chart-dist"), d);
  }

  select.addEventListener("change", function () { show(labels[+select.value]); });
  if (labels.length) show(labels[0]);
  document.body.setAttribute("data-ready", "1");
})();
