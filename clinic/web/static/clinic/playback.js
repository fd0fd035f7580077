// Side-by-side skeleton playback of two landmark sequences on one scrubber.
// Frames are matched by time since the start of each sequence, so recordings at
// different frame rates stay in step. Angles are written beside their joints.
// The view menu can switch to the 3D skeleton an analysis fitted (when one was kept), drawn as
// an orthographic projection from the front, the side or above.
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
  const viewMenu = document.getElementById("view3d");
  // Orthographic projections of MediaPipe's world axes (x right, y down, z away from the camera):
  // [horizontal axis, its sign, vertical axis, its sign] on the canvas.
  const PROJECTIONS = {
    front: [0, 1, 1, 1],   // as the camera sees the subject
    side: [2, -1, 1, 1],   // from the camera's left: the camera is to the right
    top: [0, 1, 2, -1],    // from above: the camera is at the bottom
  };
  const METRES_SHOWN = 2.0;

  function draw3d(pane, f, view) {
    const ctx = pane.canvas.getContext("2d");
    const sk = pane.data.skeleton3d;
    if (!sk) {
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillStyle = "#475467";
      ctx.fillText("No 3D skeleton was kept for this recording.", 16, 28);
      ctx.fillText("Analyse it with 3D refinement to see it here.", 16, 48);
      return 0;
    }
    const [h, hs, v, vs] = PROJECTIONS[view];
    const scale = Math.min(pane.canvas.width, pane.canvas.height) / METRES_SHOWN;
    const cx = pane.canvas.width / 2, cy = pane.canvas.height / 2;
    const pts = sk.points[Math.min(f, sk.points.length - 1)];
    const at = {};
    sk.joints.forEach((j, k) => {
      const p = pts[k];
      if (p) at[j] = [cx + hs * p[h] * scale, cy + vs * p[v] * scale];
    });
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#6941c6";
    for (const [i, j] of sk.bones) {
      if (at[i] && at[j]) {
        ctx.beginPath(); ctx.moveTo(at[i][0], at[i][1]); ctx.lineTo(at[j][0], at[j][1]); ctx.stroke();
      }
    }
    let drawn = 0;
    ctx.fillStyle = "#53389e";
    for (const p of Object.values(at)) {
      drawn += 1;
      ctx.beginPath(); ctx.arc(p[0], p[1], 4, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillStyle = "#475467";
    ctx.fillText("3D skeleton, seen from " + (view === "top" ? "above" : "the " + view), 12, 20);
    return drawn;
  }

  function colour(vis) { return vis >= 0.7 ? "#12b76a" : vis >= 0.4 ? "#f79009" : "#f04438"; }

  function draw(pane, timeS) {
    const ctx = pane.canvas.getContext("2d");
    const d = pane.data;
    ctx.clearRect(0, 0, pane.canvas.width, pane.canvas.height);
    if (!d) return -1;
    const f = Math.min(d.frames - 1, Math.round(timeS * d.fps));
    const view = viewMenu ? viewMenu.value : "image";
    pane.canvas.dataset.view = view;
    if (view !== "image") {
      pane.canvas.dataset.drawn3d = String(draw3d(pane, f, view));
      pane.canvas.dataset.frame = String(f);
      return f;
    }
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
  if (viewMenu) viewMenu.addEventListener("change", render);
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
