/* Part of the stepper page's script (page.py joins the parts in one function): the controls and
   window.autogradStepper. Runs last: it draws the first step. */
// ---- controls ----
var timer = null;
function draw() {
  var i = index;
  if (i > F && (gAt !== i || lastAt !== i)) { gradsTo(i - 1); gradsTo(i); }  // so `last` is step i's
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
    timer = setInterval(function () { goTo(index + 1); if (index >= TOTAL) play(false); }, Number($("st-speed").value));
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
