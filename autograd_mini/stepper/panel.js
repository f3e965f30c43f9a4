/* Part of the stepper page's script (page.py joins the parts in one function): the step's card and
   the explain table. */
// ---- the side panel ----
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
