/* Part of the training page's script (page.py joins the parts in one function): data and charts. */
var D = JSON.parse(document.getElementById("tr-data").textContent);
var frames = D.frames, L = D.layers.length, LAST = frames.length - 1;
var SVGNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  var e = document.createElementNS(SVGNS, tag);
  for (var k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function num(x) { return x === null || x === undefined ? "—" : f4(x); }
function pct(x) { return x === null || x === undefined ? "—" : Math.round(100 * x) + " %"; }
function log10(x) { return Math.log(x) / Math.LN10; }

// ---- a chart with a log y axis: the x axis is the step ----
function LogChart(box, width, height, ys) {
  var good = ys.filter(function (y) { return y > 0 && isFinite(y); });
  var lo = good.length ? Math.floor(log10(Math.min.apply(null, good))) : -1;
  var hi = good.length ? Math.ceil(log10(Math.max.apply(null, good))) : 1;
  if (hi <= lo) hi = lo + 1;
  var steps = D.losses.length ? D.losses[D.losses.length - 1][0] : frames[LAST].step;
  var first = D.losses.length ? D.losses[0][0] : frames[0].step;
  if (steps <= first) steps = first + 1;
  var m = { l: 52, r: 12, t: 8, b: 26 };
  this.x = function (s) { return m.l + (width - m.l - m.r) * (s - first) / (steps - first); };
  this.y = function (v) {
    var t = (log10(Math.max(v, Math.pow(10, lo))) - lo) / (hi - lo);
    return height - m.b - (height - m.t - m.b) * Math.min(1, t);
  };
  var s = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img" });
  s.appendChild(svg("line", { "class": "tr-axis", x1: m.l, x2: width - m.r, y1: height - m.b, y2: height - m.b }));
  s.appendChild(svg("line", { "class": "tr-axis", x1: m.l, x2: m.l, y1: m.t, y2: height - m.b }));
  var every = Math.ceil((hi - lo) / 6);  // at most 7 labels, however many decades (a diverged run spans 100s)
  for (var e = lo; e <= hi; e += every) {
    s.appendChild(svg("text", { x: m.l - 6, y: this.y(Math.pow(10, e)) + 4, "text-anchor": "end" }, "1e" + e));
  }
  s.appendChild(svg("text", { x: m.l, y: height - 8 }, "step " + first));
  s.appendChild(svg("text", { x: width - m.r, y: height - 8, "text-anchor": "end" }, "step " + steps));
  this.top = m.t; this.bottom = height - m.b; this.svg = s;
  box.appendChild(s);
}
function layerColour(i) {  // one hue per layer (the table's names wear them too)
  return ["#0b7285", "#862e9c", "#5c940d", "#c2255c", "#e67700", "#364fc7", "#495057", "#087f5b"][i % 8];
}
LogChart.prototype.line = function (points, cls) {
  var self = this, d = "", pen = "M";
  points.forEach(function (p) {
    if (p[1] === null || !(p[1] > 0)) { pen = "M"; return; }
    d += pen + self.x(p[0]).toFixed(1) + "," + self.y(p[1]).toFixed(1);
    pen = "L";
  });
  this.svg.appendChild(svg("path", { "class": cls, d: d || "M0,0" }));
};
LogChart.prototype.marker = function () {
  var line = svg("line", { "class": "tr-now", y1: this.top, y2: this.bottom, x1: 0, x2: 0 });
  this.svg.appendChild(line);
  var self = this;
  return function (step) { var x = self.x(step).toFixed(1); line.setAttribute("x1", x); line.setAttribute("x2", x); return x; };
};
LogChart.prototype.warnings = function () {
  var self = this;
  D.findings.forEach(function (f) {
    var x = self.x(f.step), y = self.bottom;
    var t = svg("path", { "class": "tr-warn", d: "M" + (x - 5) + "," + (y + 9) + "L" + (x + 5) + "," + (y + 9) + "L" + x + "," + (y + 1) + "Z" });
    t.appendChild(svg("title", {}, f.message));
    self.svg.appendChild(t);
  });
};

var lossChart, lossMarker, flowChart, flowMarker;
function buildCharts() {
  var ys = D.losses.map(function (p) { return p[1]; }).concat(frames.map(function (f) { return f.test_loss; }));
  lossChart = new LogChart($("tr-loss"), 560, 250, ys);
  lossChart.line(D.losses, "tr-train");
  frames.forEach(function (f) {
    if (f.test_loss !== null && f.test_loss > 0) {
      lossChart.svg.appendChild(svg("circle", { "class": "tr-testdot", cx: lossChart.x(f.step), cy: lossChart.y(f.test_loss), r: 3 }));
    }
  });
  lossChart.warnings();
  lossMarker = lossChart.marker();
  var norms = [];
  frames.forEach(function (f) { norms = norms.concat(f.grad_norms); });
  flowChart = new LogChart($("tr-flow"), 560, 150, norms);
  var key = el("p", "tr-key", "‖dW‖ of each layer at the recorded steps, one line per layer:");
  for (var i = 0; i < L; i++) {
    var path = frames.map(function (f) { return [f.step, f.grad_norms[i]]; });
    flowChart.line(path, "tr-train");
    flowChart.svg.lastChild.style.stroke = layerColour(i);
    var name = el("b", "", " ■ " + D.layers[i]);
    name.style.color = layerColour(i);
    key.appendChild(name);
  }
  $("tr-flow").appendChild(key);
  flowChart.warnings();
  flowMarker = flowChart.marker();
}
