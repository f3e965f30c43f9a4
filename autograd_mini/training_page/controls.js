/* Part of the training page's script: what the player shows at frame i, and window.autogradTraining.
   Runs last. */
function show(i) {  // the player (pages/player.js) moves the frame and calls this
  var f = frames[i];
  drawReadout(f); drawView(f); drawLayers(f); drawNeuron(f); drawWarnings(f);
  lossMarker(f.step); flowMarker(f.step);
  return ["step " + f.step, " · frame " + (i + 1) + " of " + frames.length];
}
var player = Player(LAST, show);

function copy(x) { return JSON.parse(JSON.stringify(x)); }
var api = {
  frames: frames, goTo: player.goTo,
  get index() { return player.index; },
  play: function () { player.play(true); }, pause: function () { player.play(false); },
  state: function () {  // the numbers shown now: the recorded frame's
    var f = copy(frames[player.index]);
    f.index = player.index;
    f.warnings = D.findings.filter(function (w) { return w.step === f.step; }).map(function (w) { return w.message; });
    return f;
  },
  scores: function (points) { return D.view && D.view.kind === "boundary" ? scores(frames[player.index], points) : null; },
  format: fmt, ready: false
};
window.autogradTraining = api;
$("tr-title").textContent = D.title;
$("tr-subtitle").textContent = D.subtitle;
buildCharts(); buildView(); buildLayers(); buildNeuron();
player.goTo(0);
api.ready = true;
document.documentElement.setAttribute("data-ready", "true");
