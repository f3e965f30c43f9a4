/* Part of the stepper page's script (page.py joins the parts in one function): what the player
   shows at step i, and window.autogradStepper. Runs last: it draws the first step. */
// ---- the frame shown: the player (pages/player.js) moves it and calls show ----
function show(i) {
  index = i;
  if (i > F && (gAt !== i || lastAt !== i)) { gradsTo(i - 1); gradsTo(i); }  // so `last` is step i's
  drawNodes(i); highlight(i); drawCard(i); drawTable(i); drawMatrices(i);
  scrollTo(currentNode(i));
  return ["step " + i + " / " + TOTAL, " · " + (i === 0 ? "start" : phase(i) + (i === F + 1 ? " (seed)" : ""))];
}
var player = Player(TOTAL, show);
function goTo(i) { return player.goTo(i); }

var sub = $("st-subtitle");
sub.textContent = "output " + D.output + " = " + f6(num(D.outputData)) + " · seed gradient d" + D.output + "/d" +
  D.output + " = " + f6(seed) + " · " + F + " forward steps, then " + B + " backward steps (" + TOTAL + " in all)";

var api = {
  total: TOTAL,
  get index() { return player.index; },
  next: function () { return goTo(index + 1); },
  prev: function () { return goTo(index - 1); },
  goTo: goTo,
  reset: function () { return player.stopAt(0); },
  phase: function () { return phase(index); },
  grads: function () {
    var out = {};
    if (index > F) gradsTo(index);
    for (var n = 0; n < N; n++) out[nodes[n].name] = index > F ? G[n] : 0;
    return out;
  },
  format: fmt,
  whole: function () { return whole; },  // the whole graph in the panel (else 12 px text, following)
  ready: false
};
window.autogradStepper = api;
buildLayers();
goTo(0);
autoZoom();
autoZoom();  // again: the first may have added or removed the window's scrollbar
api.ready = true;
document.documentElement.setAttribute("data-ready", "true");
