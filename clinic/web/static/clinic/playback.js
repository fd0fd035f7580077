// Side-by-side skeleton playback of two landmark sequences on one scrubber.
// Frames are matched by time since the start of each sequence, so recordings at
// different frame rates stay in step. Angles are written beside their joints.
(function () {
  "use strict";
  const LIMBS = [[11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
                 [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32]];
  const root = document.getElementById("playback");
  const scrubber = document.getElementById("scrubber");
  const label = document.getElementById("frame-label");
  const panes = ["a", "b"].map((key) => ({
    key, sha: root.dataset[key], canvas: document.getElementById("canvas-" + key), data: null,
  })).filter((p) => p.sha);
  let timer = null;

  function colour(vis) { return vis >= 0.7 ? "#12b76a" : vis >= 0.4 ? "#f79009" : "#f04438"; }

  function draw(pane, timeS) {
    const ctx = pane.canvas.getContext("2d");
    const d = pane.data;
    ctx.clearRect(0, 0, pane.canvas.width, pane.canvas.height);
    if (!d) return -1;
    const f = Math.min(d.frames - 1, Math.round(timeS * d.fps));
    const scale = Math.min(pane.canvas.width / d.width, pane.canvas.height / d.height);
    const pts = d.landmarks[f];
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#1f6f8b";
    for (const [i, j] of LIMBS) {
      if (pts[i] && pts[j]) {
        ctx.beginPath(); ctx.moveTo(pts[i][0] * scale, pts[i][1] * scale);
        ctx.lineTo(pts[j][0] * scale, pts[j][1] * scale); ctx.stroke();
      }
    }
    let drawn = 0;
    pts.forEach((p) => {
      if (!p) return;
      drawn += 1;
      ctx.fillStyle = colour(p[2]);
      ctx.beginPath(); ctx.arc(p[0] * scale, p[1] * scale, 4, 0, 2 * Math.PI); ctx.fill();
    });
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillStyle = "#1d2939";
    for (const [name, a] of Object.entries(d.angles)) {
      const p = pts[a.joint];
      const value = a.deg[f];
      if (p && value !== null) ctx.fillText(Math.round(value) + "°", p[0] * scale + 8, p[1] * scale);
    }
    pane.canvas.dataset.frame = String(f);
    pane.canvas.dataset.drawnLandmarks = String(drawn);
    return f;
  }

  function render() {
    const first = panes[0] && panes[0].data;
    if (!first) return;
    const timeS = Number(scrubber.value) / first.fps;
    const frames = panes.map((p) => draw(p, timeS));
    label.textContent = "frame " + frames.join(" / ") + " · " + timeS.toFixed(2) + " s";
  }

  function step(delta) {
    scrubber.value = String(Math.max(0, Math.min(Number(scrubber.max), Number(scrubber.value) + delta)));
    render();
  }

  document.getElementById("prev-frame").addEventListener("click", () => step(-1));
  document.getElementById("next-frame").addEventListener("click", () => step(1));
  scrubber.addEventListener("input", render);
  document.getElementById("play").addEventListener("click", (event) => {
    if (timer) { clearInterval(timer); timer = null; event.target.textContent = "Play"; return; }
    event.target.textContent = "Pause";
    timer = setInterval(() => {
      if (Number(scrubber.value) >= Number(scrubber.max)) scrubber.value = "0"; else step(1);
      render();
    }, 1000 / (panes[0].data ? panes[0].data.fps : 30));
  });

  Promise.all(panes.map((p) => fetch(root.dataset.url.replace("SHA", p.sha), { credentials: "same-origin" })
    .then((r) => { if (!r.ok) throw new Error("could not load sequence " + p.sha.slice(0, 8)); return r.json(); })
    .then((d) => { p.data = d; })))
    .then(() => {
      scrubber.max = String(panes[0].data.frames - 1);
      scrubber.disabled = false;
      // The server computed the angles (clinic/reports/playback.py) and states their convention.
      document.getElementById("angle-convention").textContent = panes[0].data.convention + ".";
      root.dataset.ready = "true";
      render();
    })
    .catch((err) => { label.textContent = err.message; });
})();
