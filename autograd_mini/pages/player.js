/* Shared by the pages (autograd_mini/pages joins it into each page's script): the player. It owns
   the frame shown and the bar of controls (page.html: its elements found by their data-player
   role): the buttons, the slider, the speed, the counter, play and pause, and the keys (→ ←, Home,
   End, space). The page gives its last frame's number and show(i), which draws frame i and returns
   what the counter says: [its bold part, the rest]. */
function Player(last, show) {
  var at = {}, timer = null;
  document.querySelectorAll("[data-player]").forEach(function (e) { at[e.getAttribute("data-player")] = e; });
  var p = { index: 0, goTo: goTo, play: play, stopAt: stopAt };
  function goTo(i) {
    var k = p.index = Math.max(0, Math.min(last, Math.round(Number(i)) || 0));
    var said = show(k);
    at.slider.value = String(k);
    at.counter.textContent = "";
    at.counter.appendChild(el("b", "", said[0]));
    at.counter.appendChild(document.createTextNode(said[1]));
    at.prev.disabled = at.first.disabled = k === 0;
    at.next.disabled = at.last.disabled = k === last;
    return k;
  }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) {
      if (p.index >= last) goTo(0);
      timer = setInterval(function () { goTo(p.index + 1); if (p.index >= last) play(false); }, Number(at.speed.value));
    }
    at.play.textContent = timer ? "‖ Pause" : "▶ Play";
  }
  function stopAt(i) { play(false); return goTo(i); }
  var keys = { ArrowRight: function () { goTo(p.index + 1); }, ArrowLeft: function () { goTo(p.index - 1); },
    Home: function () { stopAt(0); }, End: function () { stopAt(last); }, " ": function () { play(!timer); } };
  at.first.onclick = keys.Home;
  at.prev.onclick = keys.ArrowLeft;
  at.play.onclick = keys[" "];
  at.next.onclick = keys.ArrowRight;
  at.last.onclick = keys.End;
  at.speed.onchange = function () { if (timer) play(true); };
  at.slider.max = String(last);
  at.slider.oninput = function () { goTo(this.value); };
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, tag = t && t.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && t.type !== "range") || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (tag === "INPUT" && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) return;  // the slider steps itself
    var f = Object.prototype.hasOwnProperty.call(keys, ev.key) ? keys[ev.key] : null;
    if (f) { ev.preventDefault(); f(); }
  });
  return p;
}
