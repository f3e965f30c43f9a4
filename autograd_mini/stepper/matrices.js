/* Part of the stepper page's script (page.py joins the parts in one function): the matrix panel. */
// ---- the matrix panel ----
var layers = D.layers || [], shownLayer = -1, cellsOf = [], layerOfNode = {};
var chosenAt = -1;  // the step at which the reader chose a layer's tab: it stays shown until the step changes
function buildLayers() {
  if (!layers.length) return;
  $("st-matrices").hidden = false;
  document.body.classList.add("st-has-layers");
  var tabs = $("st-layer-tabs");
  layers.forEach(function (L, k) {
    var b = el("button", "", L.name + (L.n ? " (" + L.n + "×" + L.m + (L.N > 1 ? ", batch of " + L.N : "") + ")" : ""));
    b.type = "button"; b.setAttribute("role", "tab");
    b.onclick = function () { chosenAt = index; showLayer(k); drawMatrices(index); };
    tabs.appendChild(b);
    (L.forward || []).concat(L.backward || []).forEach(function (M) {
      M.cells.forEach(function (row) { row.forEach(function (c) { if (c && c[0] !== "c") layerOfNode[c[1]] = k; }); });
    });
  });
  showLayer(0);
}
function showLayer(k) {
  shownLayer = k; cellsOf = [];
  var L = layers[k], box = $("st-layer");
  box.textContent = "";
  $("st-layer-tabs").querySelectorAll("button").forEach(function (b, j) { b.setAttribute("aria-selected", String(j === k)); });
  if (L.skipped) { box.appendChild(el("p", "st-note", L.name + ": " + L.skipped)); return; }
  var fm = el("div", "st-formulas");
  L.formulas.forEach(function (f) { fm.appendChild(el("span", "", f)); });
  box.appendChild(fm);
  box.appendChild(el("p", "st-note", L.note));
  [["Forward (data)", L.forward], ["Backward (gradients)", L.backward]].forEach(function (part) {
    var row = el("div", "st-mrow");
    row.appendChild(el("h4", "", part[0]));
    part[1].forEach(function (M) { row.appendChild(matrix(M)); });
    box.appendChild(row);
  });
  if (L.check && L.check.length) {
    var c = el("p", "st-check", "Check with the final gradients, largest |engine − formula|: ");
    L.check.forEach(function (x, j) {
      if (j) c.appendChild(document.createTextNode(";  "));
      c.appendChild(el("code", "", x[0] + ": " + fmt(num(x[1]), 3)));
    });
    c.appendChild(document.createTextNode(" (rounding only, unless an entry is also used elsewhere in the graph)."));
    box.appendChild(c);
  }
}
function matrix(M) {
  var fig = el("figure", "st-matrix"), cap = el("figcaption", "", M.title);
  cap.appendChild(el("small", "", M.what + " (" + M.cells.length + "×" + (M.cells[0] ? M.cells[0].length : 0) + ")"));
  fig.appendChild(cap);
  var wrap = el("div", "st-scroll"), t = el("table");
  M.cells.forEach(function (row) {
    var tr = el("tr");
    row.forEach(function (c) { var td = el("td", c ? "" : "st-missing", c ? "" : "–"); tr.appendChild(td); if (c) cellsOf.push([c, td]); });
    t.appendChild(tr);
  });
  wrap.appendChild(t); fig.appendChild(wrap);
  return fig;
}
function drawMatrices(i) {
  if (!layers.length) return;
  var w = written(i), want = -1;
  Object.keys(w).forEach(function (n) { if (want < 0 && layerOfNode[n] !== undefined) want = layerOfNode[n]; });
  if (want >= 0 && want !== shownLayer && i !== chosenAt) showLayer(want);
  var backward = phase(i) === "backward";
  cellsOf.forEach(function (x) {
    var c = x[0], td = x[1], kind = c[0], n = c[1], text, fresh = false, bg = "";
    if (kind === "c") text = f4(num(n));
    else if (kind === "g") { text = backward ? f4(G[n]) : "·"; fresh = w[n] === "g"; if (backward) bg = fill(G[n]); }
    else { text = knownAt[n] <= i ? f4(kind === "l" ? num(c[2]) : nodes[n].data) : "·"; fresh = w[n] === "d"; }
    if (td.textContent !== text) td.textContent = text;
    td.classList.toggle("st-empty", text === "·");
    td.classList.toggle("st-written", fresh);
    td.style.background = fresh || bg === "none" ? "" : bg;
  });
}
