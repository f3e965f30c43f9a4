/* Part of the training page's script: the controls and window.autogradTraining. Runs last. */
var index = 0, timer = null;
function draw() {
  var f = frames[index];
  drawReadout(f); drawView(f); drawLayers(f); drawNeuron(f); drawWarnings(f);
  lossMarker(f.step); flowMarker(f.step);
  $("tr-slider").value = String(index);
  var c = $("tr-counter"); c.textContent = "";
  c.appendChild(el("b", "", "step " + f.step));
  c.appendChild(document.createTextNode(" · frame " + (index + 1) + " of " + frames.length));
  $("tr-prev").disabled = $("tr-first").disabled = index === 0;
  $("tr-next").disabled = $("tr-last").disabled = index === LAST;
  api.index = index;
}
function goTo(i) {
  index = Math.max(0, Math.min(LAST, Math.round(Number(i)) || 0));
  draw();
  return index;
}
function play(on) {
  if (timer) { clearInterval(timer); timer = null; }
  if (on) {
    if (index >= LAST) goTo(0);
    timer = setInterval(function () { goTo(index + 1); if (index >= LAST) play(false); }, Number($("tr-speed").value));
  }
  $("tr-play").textContent = timer ? "‖ Pause" : "▶ Play";
}
$("tr-first").onclick = function () { play(false); goTo(0); };
$("tr-prev").onclick = function () { goTo(index - 1); };
$("tr-next").onclick = function () { goTo(index + 1); };
$("tr-last").onclick = function () { play(false); goTo(LAST); };
$("tr-play").onclick = function () { play(!timer); };
$("tr-speed").onchange = function () { if (timer) play(true); };
$("tr-slider").max = String(LAST);
$("tr-slider").oninput = function () { goTo(this.value); };
document.addEventListener("keydown", function (ev) {
  var t = ev.target, tag = t && t.tagName;
  if (tag === "SELECT" || (tag === "INPUT" && t.type !== "range") || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (tag === "INPUT" && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) return;  // the slider steps itself
  var keys = { ArrowRight: function () { goTo(index + 1); }, ArrowLeft: function () { goTo(index - 1); },
    Home: function () { play(false); goTo(0); }, End: function () { play(false); goTo(LAST); }, " ": function () { play(!timer); } };
  var k = keys[ev.key];
  if (k) { ev.preventDefault(); k(); }
});

function copy(x) { return JSON.parse(JSON.stringify(x)); }
var api = {
  frames: frames, index: 0, goTo: goTo,
  play: function () { play(true); }, pause: function () { play(false); },
  state: function () {  // the numbers shown now: the recorded frame's
    var f = copy(frames[index]);
    f.index = index;
    f.warnings = D.findings.filter(function (w) { return w.step === f.step; }).map(function (w) { return w.message; });
    return f;
  },
  scores: function (points) { return D.view && D.view.kind === "boundary" ? scores(frames[index], points) : null; },
  format: fmt, ready: false
};
window.autogradTraining = api;
$("tr-title").textContent = D.title;
$("tr-subtitle").textContent = D.subtitle;
buildCharts(); buildView(); buildLayers(); buildNeuron();
goTo(0);
api.ready = true;
document.documentElement.setAttribute("data-ready", "true");
