/* Part of the training page's script: the panels that change with the frame. */
// ---- the readout: the numbers of this step ----
function drawReadout(f) {
  var r = $("tr-readout"); r.textContent = "";
  var items = [["step", String(f.step)], ["loss", num(f.loss)], ["test loss", num(f.test_loss)]];
  if (f.view && f.view.test_accuracy !== undefined) items.push(["test accuracy", pct(f.view.test_accuracy)]);
  items.forEach(function (it) {
    var s = el("span", "", it[0] + " "); s.appendChild(el("b", "", it[1])); s.setAttribute("data-key", it[0]);
    r.appendChild(s);
  });
}

// ---- the view: a decision boundary or a confusion matrix ----
var viewCanvas = null, confusionCells = [];
function buildView() {
  var V = D.view, box = $("tr-view");
  if (!V) { $("tr-view-panel").hidden = true; return; }
  var wrap = el("div", "tr-view-wrap"); box.appendChild(wrap);
  if (V.kind === "boundary") {
    viewCanvas = el("canvas"); viewCanvas.width = 360; viewCanvas.height = 300; viewCanvas.id = "tr-boundary";
    wrap.appendChild(viewCanvas);
    wrap.appendChild(el("p", "tr-key", "Blue where the model says class 1 (score > 0), orange where it says class 0; " +
      "the darker, the surer. Dots: the points, coloured by their true class; the black line is score = 0."));
  } else {
    var t = el("table", "tr-confusion"); t.id = "tr-confusion";
    var head = el("tr"); head.appendChild(el("th", "", "true \\ predicted"));
    V.names.forEach(function (n) { head.appendChild(el("th", "", n)); });
    t.appendChild(head);
    V.names.forEach(function (n, i) {
      var row = el("tr"); row.appendChild(el("th", "", n)); confusionCells.push([]);
      V.names.forEach(function () { var c = el("td"); row.appendChild(c); confusionCells[i].push(c); });
      t.appendChild(row);
    });
    wrap.appendChild(t);
  }
}
function drawView(f) {
  var V = D.view;
  if (!V) return;
  $("tr-view-title").textContent = (V.kind === "boundary" ? "Decision boundary" : "Confusion matrix on the test set") + " at step " + f.step;
  if (V.kind === "boundary") return drawBoundary(V, gridScores(f, V));
  var m = f.view.matrix, most = 1;
  m.forEach(function (row) { row.forEach(function (c) { most = Math.max(most, c); }); });
  m.forEach(function (row, i) {
    row.forEach(function (c, j) {
      var cell = confusionCells[i][j], a = c / most;
      cell.textContent = String(c);
      cell.style.background = c === 0 ? "" : (i === j ? "rgba(31,78,153," : "rgba(201,42,42,") + (0.12 + 0.75 * a).toFixed(3) + ")";
      cell.style.color = a > 0.55 ? "#fff" : "";
    });
  });
}
// ---- the model's score, from a frame's weights: the sums of diagnose.forward, in its order ----
var ACT = {
  relu: function (x) { return x <= 0 ? 0 : x; },
  tanh: Math.tanh,
  sigmoid: function (x) { if (x >= 0) return 1 / (1 + Math.exp(-x)); var e = Math.exp(x); return e / (1 + e); }
};
function scores(f, points) {
  var W = f.view.weights, B = f.view.biases;
  return points.map(function (x) {
    var a = x;
    for (var l = 0; l < W.length; l++) {
      var act = ACT[D.activations[l]], out = [];
      for (var j = 0; j < W[l].length; j++) {
        var s = 0, w = W[l][j];
        for (var k = 0; k < w.length; k++) s += w[k] * a[k];
        out.push(act ? act(B[l][j] + s) : B[l][j] + s);
      }
      a = out;
    }
    return a[0];
  });
}
var gridAt = {};
function gridScores(f, V) {  // row by row from the top (largest y), as an image is drawn
  if (gridAt.frame === f) return gridAt.scores;
  var n = V.size, b = V.bounds, pts = [];
  for (var j = 0; j < n; j++) {
    for (var i = 0; i < n; i++) pts.push([b[0] + (b[1] - b[0]) * i / (n - 1), b[3] - (b[3] - b[2]) * j / (n - 1)]);
  }
  gridAt = { frame: f, scores: scores(f, pts) };
  return gridAt.scores;
}
function tint(rgb, a) {  // the colour at strength a in [0, 1] over white, opaque (no seams where cells meet)
  return "rgb(" + rgb.map(function (v) { return Math.round(255 - (255 - v) * a); }).join(",") + ")";
}
function drawBoundary(V, scores) {
  // the scores at the grid's nodes, one pixel each, stretched smoothly so that node k sits at k/(n-1)
  var c = viewCanvas.getContext("2d"), W = viewCanvas.width, H = viewCanvas.height, n = V.size, b = V.bounds;
  var off = document.createElement("canvas"); off.width = n; off.height = n;
  var o = off.getContext("2d"), img = o.createImageData(n, n);
  scores.forEach(function (s, k) {
    var a = Math.min(1, Math.abs(s)) * 0.55 + 0.12, rgb = s > 0 ? [31, 78, 153] : [232, 89, 12];
    for (var q = 0; q < 3; q++) img.data[4 * k + q] = Math.round(255 - (255 - rgb[q]) * a);
    img.data[4 * k + 3] = 255;
  });
  o.putImageData(img, 0, 0);
  var pw = W / (n - 1), ph = H / (n - 1);
  c.clearRect(0, 0, W, H);
  c.imageSmoothingEnabled = true;
  c.drawImage(off, -pw / 2, -ph / 2, W + pw, H + ph);
  c.strokeStyle = "#111"; c.lineWidth = 2; c.beginPath();  // score = 0, by marching squares
  for (var j = 0; j + 1 < n; j++) {
    for (var i = 0; i + 1 < n; i++) {
      var corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]], cut = [];
      for (var e = 0; e < 4; e++) {
        var p = corners[e], q2 = corners[(e + 1) % 4], sp = scores[p[1] * n + p[0]], sq = scores[q2[1] * n + q2[0]];
        if ((sp > 0) !== (sq > 0)) {
          var t = sp / (sp - sq);
          cut.push([(p[0] + t * (q2[0] - p[0])) * pw, (p[1] + t * (q2[1] - p[1])) * ph]);
        }
      }
      for (var k = 0; k + 1 < cut.length; k += 2) { c.moveTo(cut[k][0], cut[k][1]); c.lineTo(cut[k + 1][0], cut[k + 1][1]); }
    }
  }
  c.stroke();
  V.points.forEach(function (pt, k) {
    var x = (pt[0] - b[0]) / (b[1] - b[0]) * W, y = (b[3] - pt[1]) / (b[3] - b[2]) * H;
    c.beginPath(); c.arc(x, y, 3.2, 0, 2 * Math.PI);
    c.fillStyle = V.labels[k] === 1 ? "#1f4e99" : "#c0392b"; c.fill();
    c.lineWidth = 1; c.strokeStyle = "#fff"; c.stroke();
  });
}

// ---- the layers: gradient norms and unit shares ----
var layerRows = [];
function buildLayers() {
  var t = el("table", "tr-layer-table"); t.id = "tr-layer-table";
  var head = el("tr");
  ["layer", "‖dW‖", "", "‖dW‖/‖W‖", "dead", "saturated"].forEach(function (h) { head.appendChild(el("th", "", h)); });
  t.appendChild(head);
  D.layers.forEach(function (name) {
    var row = el("tr"), cells = [el("td", "", name), el("td"), el("td", "tr-barcell"), el("td"), el("td"), el("td")];
    cells[0].style.color = layerColour(layerRows.length);  // as its line in the chart below
    cells[2].appendChild(el("div", "tr-meter"));
    cells.forEach(function (c) { row.appendChild(c); });
    t.appendChild(row); layerRows.push(cells);
  });
  $("tr-layers").appendChild(t);
}
function drawLayers(f) {
  var flagged = {};
  D.findings.forEach(function (w) { if (w.step === f.step && w.layer !== null) flagged[w.layer + w.kind] = true; });
  layerRows.forEach(function (cells, i) {
    var g = f.grad_norms[i];
    cells[1].textContent = num(g);
    var t = g > 0 ? (log10(g) + 8) / 10 : 0;  // 1e-8 .. 1e2 across the cell
    cells[2].firstChild.style.width = (100 * Math.max(0, Math.min(1, t))).toFixed(1) + "%";
    cells[3].textContent = num(f.grad_ratios[i]);
    cells[4].textContent = pct(f.dead_fractions[i]);
    cells[5].textContent = pct(f.saturated_fractions[i]);
    cells[4].className = flagged[(i + 1) + "dead"] ? "tr-bad" : "";
    cells[5].className = flagged[(i + 1) + "saturated"] ? "tr-bad" : "";
    cells[3].className = flagged[(i + 1) + "vanishing"] || flagged[(i + 1) + "exploding"] ? "tr-bad" : "";
  });
}

// ---- one neuron's weights ----
var neuronCanvas = null, neuronSvg = null;
function buildNeuron() {
  var N = D.neuron, box = $("tr-neuron");
  $("tr-neuron-title").textContent = "The weights of neuron " + N.label + (N.image ? " as a " + N.image[0] + "×" + N.image[1] + " image" : "");
  if (N.image) {
    var wrap = el("div", "tr-view-wrap"); box.appendChild(wrap);
    neuronCanvas = el("canvas"); neuronCanvas.width = N.image[1]; neuronCanvas.height = N.image[0]; neuronCanvas.id = "tr-neuron-image";
    neuronCanvas.style.width = (28 * N.image[1]) + "px"; neuronCanvas.style.height = (28 * N.image[0]) + "px";
    wrap.appendChild(neuronCanvas);
    wrap.appendChild(el("p", "tr-key", "One pixel per input: red where a bright pixel raises the neuron's output, blue where it lowers it (scaled to the largest weight of this step)."));
  } else {
    neuronSvg = svg("svg", { viewBox: "0 0 560 170", width: "100%", role: "img", id: "tr-neuron-bars" });
    box.appendChild(neuronSvg);
  }
  box.appendChild(el("p", "tr-weights")).id = "tr-neuron-text";
}
function drawNeuron(f) {
  var w = f.neuron, most = 0;
  w.forEach(function (v) { if (v !== null) most = Math.max(most, Math.abs(v)); });
  most = most || 1;
  $("tr-neuron-text").textContent = "w = [" + w.map(num).join(", ") + "]";
  if (neuronCanvas) {
    var c = neuronCanvas.getContext("2d"), cols = D.neuron.image[1];
    w.forEach(function (v, k) {
      var a = v === null ? 0 : v / most;
      c.fillStyle = tint(a < 0 ? [31, 78, 153] : [201, 42, 42], Math.abs(a));  // red > 0, blue < 0
      c.fillRect(k % cols, Math.floor(k / cols), 1, 1);
    });
    return;
  }
  neuronSvg.textContent = "";
  var n = w.length, bw = Math.min(60, 520 / n), mid = 80;
  neuronSvg.appendChild(svg("line", { "class": "tr-axis", x1: 20, x2: 20 + bw * n, y1: mid, y2: mid }));
  w.forEach(function (v, k) {
    var h = (v === null ? 0 : v / most) * 70;
    neuronSvg.appendChild(svg("rect", { "class": h < 0 ? "tr-bar-neg" : "tr-bar-pos", x: 22 + k * bw, width: bw - 4, y: h < 0 ? mid : mid - h, height: Math.abs(h) }));
    neuronSvg.appendChild(svg("text", { x: 20 + (k + 0.5) * bw, y: 166, "text-anchor": "middle" }, "w" + (k + 1)));
  });
}

// ---- the warnings so far: one line per problem (kind and layer), its latest finding up to this step ----
function drawWarnings(f) {
  var list = $("tr-warnings"); list.textContent = "";
  var latest = {}, order = [];
  D.findings.forEach(function (w) {
    if (w.step > f.step) return;
    var key = w.kind + " " + w.layer;
    if (!(key in latest)) order.push(key);
    latest[key] = w;
  });
  var shown = order.map(function (key) { return latest[key]; });
  if (!shown.length) list.appendChild(el("li", "tr-none", D.findings.length ? "none yet" : "none: nothing the diagnostics check for went wrong"));
  shown.forEach(function (w) { list.appendChild(el("li", w.step === f.step ? "tr-current" : "", w.message)); });
  list.scrollTop = list.scrollHeight;
}
