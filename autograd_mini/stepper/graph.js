/* Part of the stepper page's script (page.py joins the parts in one function): the picture. */
// ---- the picture ----
var svg = document.querySelector("#st-graph svg");
var els = nodes.map(function () { return null; });
svg.querySelectorAll("g[data-index]").forEach(function (g) {
  els[Number(g.getAttribute("data-index"))] = {
    g: g, data: g.querySelector("text.st-data"), grad: g.querySelector("text.st-grad"),
    cell: g.querySelector("polygon.st-grad-cell"), dataCell: g.querySelector("polygon.st-data-cell"),
    op: null, edgesIn: [], edgeOut: [], shown: {}
  };
});
svg.querySelectorAll("g[data-op]").forEach(function (g) {
  var e = els[Number(g.getAttribute("data-op"))]; if (e) e.op = g;
});
svg.querySelectorAll("g[data-edge]").forEach(function (g) {
  var key = g.getAttribute("data-edge"), k = key.indexOf(">");
  var e = els[Number(k < 0 ? key : key.slice(k + 1))];
  if (!e) return;
  if (k < 0) e.edgeOut.push(g); else e.edgesIn.push({ from: Number(key.slice(0, k)), g: g });
});

function fill(g) {  // red for positive, blue for negative, stronger when larger (as the SVG pictures)
  if (!largest || g !== g || g === 0) return "none";
  var share = Math.min(Math.abs(g) / largest, 1), fade = Math.round(255 - 150 * share).toString(16);
  if (fade.length < 2) fade = "0" + fade;
  return g > 0 ? "#ff" + fade + fade : "#" + fade + fade + "ff";
}
function setText(e, key, el, text) { if (el && e.shown[key] !== text) { el.textContent = text; e.shown[key] = text; } }

function drawNodes(i) {
  var backward = phase(i) === "backward";
  for (var n = 0; n < N; n++) {
    var e = els[n]; if (!e) continue;
    var known = knownAt[n] <= i;
    if (e.shown.known !== known) {
      e.g.classList.toggle("st-unknown", !known);
      if (e.op) e.op.classList.toggle("st-unknown-op", !known);
      e.edgesIn.forEach(function (x) { x.g.classList.toggle("st-unknown", !known); });
      e.edgeOut.forEach(function (x) { x.classList.toggle("st-unknown", !known); });
      e.shown.known = known;
    }
    setText(e, "data", e.data, "data " + (known ? f4(nodes[n].data) : "?"));
    setText(e, "grad", e.grad, backward ? "grad " + f4(G[n]) : "grad");
    var colour = backward ? fill(G[n]) : "none";
    if (e.cell && e.shown.fill !== colour) { e.cell.style.fill = colour; e.shown.fill = colour; }
  }
}

var lit = [];
function light(el, cls) { if (el) { el.classList.add(cls); lit.push([el, cls]); } }
function highlight(i) {
  lit.forEach(function (x) { x[0].classList.remove(x[1]); }); lit = [];
  var n = currentNode(i); if (n === null || !els[n]) return;
  var e = els[n];
  light(e.g, "st-current");
  if (i === F + 1) return;  // the seed: only the output
  light(e.op, "st-op-active");
  e.edgesIn.forEach(function (x) { light(x.g, "st-edge-active"); });
  e.edgeOut.forEach(function (x) { light(x, "st-edge-active"); });
  parentsOf(i).forEach(function (p) { if (els[p]) light(els[p].g, "st-input"); });
  if (i <= F && e.dataCell) light(e.dataCell, "st-fresh-data");
  if (i > F + 1) last.forEach(function (w) { if (els[w[0]] && els[w[0]].cell) light(els[w[0]].cell, "st-flash"); });
}
function currentNode(i) {
  if (i === 0) return null;
  if (i <= F) return D.forward[i - 1].node;
  if (i === F + 1) return root;
  return back[i - F - 2].node;
}
function parentsOf(i) {
  if (i >= 1 && i <= F) return D.forward[i - 1].parents;
  if (i > F + 1) return back[i - F - 2].parents;
  return [];
}
function written(i) {  // the nodes whose shown number this step changes, and which number
  var out = {};
  if (i >= 1 && i <= F) out[D.forward[i - 1].node] = "d";
  if (i > F) last.forEach(function (w) { out[w[0]] = "g"; });
  return out;
}
// ---- zoom: the whole graph when its text stays >= 12 px, else 12 px text following the step ----
var box = $("st-graph");
var view = svg.viewBox && svg.viewBox.baseVal;  // in pt, as Graphviz writes it: px at scale 1 = pt × 4/3
var natural = (view && view.width || parseFloat(svg.getAttribute("data-width")) || 450) * 4 / 3;
var naturalH = (view && view.height || parseFloat(svg.getAttribute("data-height")) || 225) * 4 / 3;
var fontPt = Math.min.apply(null, [].map.call(svg.querySelectorAll("g.node text"), function (t) {
  return parseFloat(t.getAttribute("font-size")) || 14;
}).concat([14]));
var READABLE = 12.05 / (fontPt * 4 / 3);  // the scale at which the smallest node text is 12 px (and a hair)
var scale = 1, whole = false;
function zoom(s) {
  scale = Math.max(0.05, Math.min(4, s));
  svg.style.width = (natural * scale) + "px"; svg.style.height = (naturalH * scale) + "px";
  var chrome = box.offsetHeight - box.clientHeight + 38;  // padding and a scrollbar
  box.style.height = Math.min(naturalH * scale + chrome, panelMax()) + "px";
}
function panelMax() {  // room left for the step's card below the graph
  return Math.max(220, Math.min(window.innerHeight - 300, window.innerHeight * 0.55));
}
function fitScale() {
  var pad = 12;
  return Math.min((box.clientWidth - pad) / natural, (panelMax() - 48) / naturalH);
}
function fits() { return fitScale() >= READABLE; }
var userZoom = false;  // until the reader zooms, the picture follows the window
function autoZoom() {
  if (userZoom) return;
  whole = fits();
  zoom(whole ? Math.min(1.6, fitScale()) : READABLE);
  scrollTo(currentNode(index));
}
$("st-zoom-in").onclick = function () { userZoom = true; whole = false; zoom(scale * 1.25); scrollTo(currentNode(index)); };
$("st-zoom-out").onclick = function () { userZoom = true; whole = false; zoom(scale / 1.25); scrollTo(currentNode(index)); };
$("st-zoom-read").onclick = function () { userZoom = true; whole = false; zoom(Math.max(READABLE, Math.min(1.6, fitScale()))); scrollTo(currentNode(index)); };
$("st-zoom-fit").onclick = function () { userZoom = !fits(); whole = true; zoom(Math.min(1.6, fitScale())); };
window.addEventListener("resize", autoZoom);

function scrollTo(n) {  // the step's node in view, with its inputs where they fit, moving the picture only when needed
  var e = n === null || n === undefined ? null : els[n];
  if (!e || whole) return;
  var b = box.getBoundingClientRect(), pad = 24, r = e.g.getBoundingClientRect();
  var all = [r];  // the node, its operation and the nodes the step reads or sends to
  if (e.op) all.push(e.op.getBoundingClientRect());
  parentsOf(index).forEach(function (p) { if (els[p] && n !== p) all.push(els[p].g.getBoundingClientRect()); });
  var u = { left: Math.min.apply(null, all.map(function (x) { return x.left; })),
            right: Math.max.apply(null, all.map(function (x) { return x.right; })),
            top: Math.min.apply(null, all.map(function (x) { return x.top; })),
            bottom: Math.max.apply(null, all.map(function (x) { return x.bottom; })) };
  if (u.right - u.left <= b.width - 2 * pad && u.bottom - u.top <= b.height - 2 * pad) r = u;  // (else the node alone)
  if (r.left < b.left + pad || r.right > b.right - pad) box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
  if (r.top < b.top + pad || r.bottom > b.bottom - pad) box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
}
