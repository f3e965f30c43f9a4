/* Part of the stepper page's script (page.py joins the parts in one function): the steps and the
   gradients they add up, in the engine's order. */
var D = JSON.parse(document.getElementById("st-data").textContent);
var num = function (x) { return typeof x === "string" ? Number(x) : x; };

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
