/* autograd_mini stepper: replays the forward pass, then the engine's backward steps (explain). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("st-data").textContent);
  var num = function (x) { return typeof x === "string" ? Number(x) : x; };
  var $ = function (id) { return document.getElementById(id); };

  // ---- numbers as Python's f"{x:.{p}g}" writes them (ties to even, as Python rounds) ----
  function fmt(x, p) {
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    var sign = (x < 0 || Object.is(x, -0)) ? "-" : "";
    var a = Math.abs(x);
    if (a === 0) return sign + "0";
    var e = a.toExponential(p - 1);
    var long = a.toExponential(Math.min(100, p + 24)).split("e");
    var digits = long[0].replace(".", "");
    if (digits.charAt(p) === "5" && /^0*$/.test(digits.slice(p + 1)) && Number(digits.charAt(p - 1)) % 2 === 0) {
      e = digits.charAt(0) + (p > 1 ? "." + digits.slice(1, p) : "") + "e" + long[1];  // a tie: keep the even digit
    }
    var parts = e.split("e"), exp = Number(parts[1]), mant = parts[0].replace(".", "");
    if (exp < -4 || exp >= p) {
      var m = mant.charAt(0) + (mant.length > 1 ? "." + mant.slice(1) : "");
      if (m.indexOf(".") >= 0) m = m.replace(/0+$/, "").replace(/\.$/, "");
      var ae = Math.abs(exp);
      return sign + m + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" : "") + ae;
    }
    var s;
    if (exp >= 0) {
      s = mant.slice(0, exp + 1) + "." + mant.slice(exp + 1);
    } else {
      s = "0." + new Array(-exp).join("0") + mant;
    }
    s = s.replace(/0+$/, "").replace(/\.$/, "");
    return sign + s;
  }
  var f4 = function (x) { return fmt(x, 4); };
  var f6 = function (x) { return fmt(x, 6); };

  // ---- the steps ----
  var nodes = D.nodes.map(function (n) { return { name: n.name, data: num(n.data), leaf: n.leaf, op: n.op }; });
  var N = nodes.length, F = D.forward.length, root = D.root, seed = num(D.seed), largest = num(D.largest);
  var back = D.backward.map(function (s) {
    return { node: s.node, op: s.op, up: num(s.up), parents: s.parents, local: s.local.map(num), contrib: s.contrib.map(num) };
  });
  var B = back.length, TOTAL = F + 1 + B;
  var knownAt = nodes.map(function () { return 0; });   // the index from which a node's data is shown
  D.forward.forEach(function (f, k) { knownAt[f.node] = k + 1; });
  var received = nodes.map(function () { return 0; });  // how many contributions each node gets in all
  back.forEach(function (s) { s.parents.forEach(function (p) { received[p] += 1; }); });

  var index = 0;
  // G: the gradients after step gAt; last: what step lastAt wrote, [node, before, after, ordinal]
  var G = new Float64Array(N), gAt = F, counts = new Int32Array(N), last = [], lastAt = -1;
  function gradsTo(i) {  // i >= F; exact: going back recomputes from the start, in the engine's order
    if (i < gAt) { G.fill(0); counts.fill(0); gAt = F; }
    while (gAt < i) {
      gAt += 1; last = []; lastAt = gAt;
      if (gAt === F + 1) { last.push([root, G[root], G[root] + seed, 0]); G[root] += seed; continue; }
      var s = back[gAt - F - 2];
      for (var j = 0; j < s.parents.length; j++) {
        var p = s.parents[j], before = G[p];
        G[p] = before + s.contrib[j];
        counts[p] += 1;
        last.push([p, before, G[p], counts[p]]);
      }
    }
  }
  function phase(i) { return i <= F ? "forward" : "backward"; }

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
  function scrollTo(n) {
    var box = $("st-graph"), e = n === null ? null : els[n];
    if (!e) return;
    var r = e.g.getBoundingClientRect(), b = box.getBoundingClientRect(), pad = 40;
    if (r.left < b.left + pad || r.right > b.right - pad) box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
    if (r.top < b.top + pad || r.bottom > b.bottom - pad) box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
  }

  // ---- zoom ----
  var natural = parseFloat(svg.getAttribute("data-width")) * 4 / 3 || 600;
  var naturalH = parseFloat(svg.getAttribute("data-height")) * 4 / 3 || 300;
  var scale = 1;
  function zoom(s) {
    scale = Math.max(0.1, Math.min(4, s));
    svg.style.width = (natural * scale) + "px"; svg.style.height = (naturalH * scale) + "px";
  }
  function fitScale() { return ($("st-graph").clientWidth - 24) / natural; }
  var userZoom = false;  // until the reader zooms, the picture follows the window's width
  function autoZoom() { if (!userZoom) zoom(Math.max(0.55, Math.min(1.5, fitScale()))); }
  $("st-zoom-in").onclick = function () { userZoom = true; zoom(scale * 1.25); };
  $("st-zoom-out").onclick = function () { userZoom = true; zoom(scale / 1.25); };
  $("st-zoom-fit").onclick = function () { userZoom = false; zoom(fitScale()); };
  window.addEventListener("resize", autoZoom);
  autoZoom();

  // ---- the side panel ----
  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }
  var rows = [];
  (function buildTable() {
    var table = $("st-table");
    back.forEach(function (s, k) {
      var body = el("tbody");
      var n = s.parents.length || 1;
      for (var j = 0; j < n; j++) {
        var tr = el("tr"), first = j === 0, p = s.parents[j];
        [first ? String(k + 1) : "", first ? nodes[s.node].name : "", first ? s.op : "", first ? f6(s.up) : "",
          p === undefined ? "" : nodes[p].name, p === undefined ? "" : f6(s.local[j]), p === undefined ? "" : f6(s.contrib[j])
        ].forEach(function (t, c) {
          var td = el("td", c === 0 || c === 3 || c >= 5 ? "st-r" : "", t);
          td.title = t; tr.appendChild(td);
        });
        body.appendChild(tr);
      }
      body.onclick = function () { goTo(F + 2 + k); };
      table.appendChild(body); rows.push(body);
    });
  })();
  var nowRow = null;
  function drawTable(i) {
    var k = i - F - 2;
    rows.forEach(function (r, j) { var s = j < k ? "st-done" : j === k ? "st-now" : "st-todo"; if (r.className !== s) r.className = s; });
    var row = rows[k] || null;
    if (row && row !== nowRow) {
      var wrap = row.closest(".st-table-wrap"), rt = row.getBoundingClientRect(), wt = wrap.getBoundingClientRect();
      if (rt.top < wt.top + 28 || rt.bottom > wt.bottom) wrap.scrollTop += rt.top - wt.top - wrap.clientHeight / 3;
    }
    nowRow = row;
  }

  var MAX_ROWS = 14;
  function drawCard(i) {
    var card = $("st-card");
    card.textContent = "";
    card.className = i <= F ? "st-forward" : "";
    if (i === 0) return startCard(card);
    if (i <= F) return forwardCard(card, D.forward[i - 1], i);
    if (i === F + 1) {
      card.appendChild(el("h3", "", "Backward pass: the seed"));
      var p = el("p", "st-formula");
      p.appendChild(document.createTextNode("d" + D.output + "/d" + D.output + " = "));
      p.appendChild(el("b", "", f6(seed)));
      card.appendChild(p);
      card.appendChild(el("p", "st-note", "The gradient of the output with respect to itself is the seed. From here each step " +
        "takes one node's gradient (upstream) and sends upstream × local derivative to each parent, in the engine's order."));
      return;
    }
    backwardCard(card, back[i - F - 2], i - F - 1);
  }
  function startCard(card) {
    card.appendChild(el("h3", "", "Start"));
    var leaves = nodes.filter(function (n) { return n.leaf; });
    card.appendChild(el("p", "", "The inputs (leaves) are known; every other node is computed by the forward pass. " +
      "Press → (Next) to step, space to play."));
    var t = el("p", "st-formula");
    t.textContent = leaves.slice(0, MAX_ROWS).map(function (n) { return n.name + " = " + f6(n.data); }).join(",  ") +
      (leaves.length > MAX_ROWS ? ",  … (" + leaves.length + " leaves)" : "");
    card.appendChild(t);
  }
  function forwardCard(card, f, i) {
    card.appendChild(el("h3", "", "Forward step " + i + " of " + F));
    var p = el("p", "st-formula");
    p.appendChild(el("b", "", nodes[f.node].name));
    p.appendChild(document.createTextNode(" = " + f.text));
    card.appendChild(p);
    var shown = f.parents.slice(0, MAX_ROWS).map(function (q) { return nodes[q].name + " = " + f6(nodes[q].data); });
    if (f.parents.length > MAX_ROWS) shown.push("…");
    card.appendChild(el("p", "st-note", "with " + shown.join(",  ")));
    var r = el("p", "st-formula");
    r.appendChild(document.createTextNode("= "));
    r.appendChild(el("b", "", f6(nodes[f.node].data)));
    card.appendChild(r);
  }
  function lines(a, b) { var td = el("td"); td.appendChild(el("div", "", a)); td.appendChild(el("div", "", b)); return td; }
  function paren(x) { return x < 0 ? "(" + f6(x) + ")" : f6(x); }
  function plus(c) { return c < 0 ? " − " + f6(-c) : " + " + f6(c); }
  function backwardCard(card, s, k) {
    var name = nodes[s.node].name;
    card.appendChild(el("h3", "", "Backward step " + k + " of " + B + ": node " + name + " (" + s.op + ")"));
    var p = el("p", "st-formula");
    p.appendChild(document.createTextNode("upstream d" + D.output + "/d" + name + " = "));
    p.appendChild(el("b", "", f6(s.up)));
    card.appendChild(p);
    if (s.up === 0) card.appendChild(el("p", "st-note", "Nothing flows back through this node (upstream 0): the engine skips it."));
    var t = el("table", "st-contribs"), head = el("tr");
    ["parent", "upstream × local = contribution", "its grad: before + contribution = after"].forEach(function (h) { head.appendChild(el("th", "", h)); });
    t.appendChild(head);
    for (var j = 0; j < s.parents.length && j < MAX_ROWS; j++) {
      var w = last[j], tr = el("tr"), c0 = el("td", "", nodes[s.parents[j]].name);
      if (received[w[0]] > 1) c0.appendChild(el("span", "st-badge", "contribution " + w[3] + " of " + received[w[0]]));
      tr.appendChild(c0);
      tr.appendChild(lines(f6(s.up) + " × " + paren(s.local[j]), "= " + f6(s.contrib[j])));
      tr.appendChild(lines(f6(w[1]) + plus(s.contrib[j]), "= " + f6(w[2])));
      t.appendChild(tr);
    }
    card.appendChild(t);
    if (s.parents.length > MAX_ROWS) card.appendChild(el("p", "st-note", "… and " + (s.parents.length - MAX_ROWS) + " more parents (all in the table below)."));
  }

  // ---- the matrix panel ----
  var layers = D.layers || [], shownLayer = -1, cellsOf = [], layerOfNode = {};
  function buildLayers() {
    if (!layers.length) return;
    $("st-matrices").hidden = false;
    var tabs = $("st-layer-tabs");
    layers.forEach(function (L, k) {
      var b = el("button", "", L.name + (L.n ? " (" + L.n + "×" + L.m + (L.N > 1 ? ", batch of " + L.N : "") + ")" : ""));
      b.type = "button"; b.setAttribute("role", "tab");
      b.onclick = function () { showLayer(k); drawMatrices(index); };
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
    if (want >= 0 && want !== shownLayer) showLayer(want);
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

  // ---- controls ----
  var timer = null;
  function draw() {
    var i = index;
    if (i <= F) last = [];
    else if (gAt !== i || lastAt !== i) { gradsTo(i - 1); gradsTo(i); }  // so `last` is step i's
    drawNodes(i); highlight(i); drawCard(i); drawTable(i); drawMatrices(i);
    scrollTo(currentNode(i));
    $("st-slider").value = String(i);
    var c = $("st-counter"); c.textContent = "";
    c.appendChild(el("b", "", "step " + i + " / " + TOTAL));
    c.appendChild(document.createTextNode(" · " + (i === 0 ? "start" : phase(i) + (i === F + 1 ? " (seed)" : ""))));
    $("st-prev").disabled = $("st-reset").disabled = i === 0;
    $("st-next").disabled = $("st-end").disabled = i === TOTAL;
    api.index = i;
  }
  function goTo(i) {
    i = Math.max(0, Math.min(TOTAL, Math.round(Number(i)) || 0));
    index = i; draw(); return index;
  }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) {
      if (index >= TOTAL) goTo(0);
      timer = setInterval(function () { if (index >= TOTAL) play(false); else goTo(index + 1); }, Number($("st-speed").value));
    }
    $("st-play").textContent = timer ? "‖ Pause" : "▶ Play";
  }
  $("st-next").onclick = function () { goTo(index + 1); };
  $("st-prev").onclick = function () { goTo(index - 1); };
  $("st-reset").onclick = function () { play(false); goTo(0); };
  $("st-end").onclick = function () { play(false); goTo(TOTAL); };
  $("st-play").onclick = function () { play(!timer); };
  $("st-speed").onchange = function () { if (timer) play(true); };
  $("st-slider").max = String(TOTAL);
  $("st-slider").oninput = function () { goTo(this.value); };
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, tag = t && t.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && t.type !== "range") || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (tag === "INPUT" && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) return;  // the slider steps itself
    var keys = { ArrowRight: function () { goTo(index + 1); }, ArrowLeft: function () { goTo(index - 1); },
      Home: function () { play(false); goTo(0); }, End: function () { play(false); goTo(TOTAL); }, " ": function () { play(!timer); } };
    var f = keys[ev.key];
    if (f) { ev.preventDefault(); f(); }
  });

  var sub = $("st-subtitle");
  sub.textContent = "output " + D.output + " = " + f6(num(D.outputData)) + " · seed gradient d" + D.output + "/d" +
    D.output + " = " + f6(seed) + " · " + F + " forward steps, then " + B + " backward steps (" + TOTAL + " in all)";

  var api = {
    total: TOTAL, index: 0,
    next: function () { return goTo(index + 1); },
    prev: function () { return goTo(index - 1); },
    goTo: goTo,
    reset: function () { play(false); return goTo(0); },
    phase: function () { return phase(index); },
    grads: function () {
      var out = {};
      if (index > F) gradsTo(index);
      for (var n = 0; n < N; n++) out[nodes[n].name] = index > F ? G[n] : 0;
      return out;
    },
    format: fmt,
    ready: false
  };
  window.autogradStepper = api;
  buildLayers();
  goTo(0);
  api.ready = true;
  document.documentElement.setAttribute("data-ready", "true");
})();
