// Live capture page: camera -> (JPEG frames | in-browser keypoints) -> WebSocket -> overlay, metrics, cues.
// Message formats are documented in capture/protocol.py.
(function () {
  "use strict";
  const root = document.getElementById("live");
  const $ = (id) => document.getElementById(id);
  const video = $("video"), overlay = $("overlay"), ctx = overlay.getContext("2d");
  const settings = { visit: $("visit"), exercise: $("exercise"), model: $("model"), resolution: $("resolution"),
    people: $("people"), mode: $("mode"), speak: $("speak") };

  // BlazePose limbs (capture/landmarks.py SKELETON_EDGES) and the landmark each angle is drawn at.
  const EDGES = [[11,12],[11,13],[13,15],[12,14],[14,16],[11,23],[12,24],[23,24],[23,25],[25,27],[27,29],[29,31],
    [27,31],[24,26],[26,28],[28,30],[30,32],[28,32]];
  const JOINT_AT = { left_knee: 25, right_knee: 26, left_hip: 23, right_hip: 24, left_elbow: 13, right_elbow: 14,
    left_shoulder: 11, right_shoulder: 12, left_ankle: 27, right_ankle: 28 };
  const PERSON_COLOURS = ["#4fc3f7", "#f48fb1", "#ce93d8", "#ffcc80"];
  const CUE_INTERVAL_MS = 4000;  // at most one spoken cue every 4 s
  const MAGIC_P = 0x50, MAGIC_F = 0x46, VERSION = 1, HEADER_BYTES = 15;

  let ws = null, stream = null, running = false, seq = 0, lastReplySeq = -1, lastReplyAt = 0;
  let latest = null, poseTimes = [], latencies = [], recording = false, lastCueAt = -Infinity, lastReps = 0;
  let browserPose = null, sending = false;
  const grab = document.createElement("canvas");
  let maxFrameBytes = Infinity;  // until the server's ready message says
  // Standard tests: when each stops by itself (analysis/stop_rules.py, decided on the server) and the countdown.
  const RULES = JSON.parse($("stop-rules").textContent), COUNTDOWN_S = Number(root.dataset.countdown);
  let countdownTimer = null;
  // The settings apply as they change; Enter in a field must not submit (and reload) the page.
  $("settings").addEventListener("submit", (e) => e.preventDefault());

  function status(text) { $("status").textContent = text; }
  function colourFor(v) { return v >= 0.7 ? "#12b76a" : v >= 0.4 ? "#fdb022" : "#f04438"; }
  function percentile(values, p) {
    if (!values.length) return NaN;
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
  }

  // ---- WebSocket ---------------------------------------------------------------------------------------
  function connect() {
    const q = new URLSearchParams({ model: settings.model.value, exercise: settings.exercise.value,
      people: settings.people.value });
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}${root.dataset.wsPath}?${q}`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => status("Connected.");
    // 1009: the server's transport refused a message far over the advertised limits (capture/protocol.py).
    ws.onclose = (e) => { status(e.code === 4404 ? "You may not see this patient." :
      e.code === 4401 ? "Please log in again." : e.code === 1009 ? "Disconnected: a message was larger than the server accepts." :
      "Disconnected."); ws = null; };
    ws.onmessage = (e) => handle(JSON.parse(e.data));
  }
  function sendJSON(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }
  function sendConfig() {
    sendJSON({ type: "config", model: settings.model.value, exercise: settings.exercise.value,
      people: Number(settings.people.value) });
  }

  function handle(msg) {
    if (msg.type === "pose") return onPose(msg);
    if (msg.type === "error") return status(msg.message);
    if (msg.type === "ready") {
      maxFrameBytes = msg.max_frame_bytes;
      if (msg.angle_convention) $("angle-convention").textContent = msg.angle_convention + ".";
    }
    if (msg.type === "ready" || msg.type === "config") { $("model-used").textContent = msg.model + (msg.auto ? " (auto)" : ""); return; }
    if (msg.type === "recording") return onRecording(msg);
    if (msg.type === "analysis") return onAnalysis(msg);
  }

  function onPose(msg) {
    const now = performance.now();
    lastReplySeq = msg.seq; lastReplyAt = now;
    latencies.push(now - msg.t); if (latencies.length > 60) latencies.shift();
    poseTimes.push(now); while (poseTimes.length && poseTimes[0] < now - 1000) poseTimes.shift();
    // A skeleton of a frame more than a second old would mislead more than it helps.
    latest = now - msg.t < 1000 ? msg : null;
    draw();
    $("fps").textContent = `${poseTimes.length} fps`;
    $("latency").textContent = `${Math.round(percentile(latencies, 0.5))} ms`;
    $("model-used").textContent = msg.model + (settings.model.value === "auto" ? " (auto)" : "");
    $("timing").textContent = `latency p50 ${Math.round(percentile(latencies, 0.5))} ms, p95 ` +
      `${Math.round(percentile(latencies, 0.95))} ms` + (msg.infer_ms != null ? ` · inference ${msg.infer_ms.toFixed(1)} ms` : "") +
      ` · frames dropped on the server ${msg.dropped}`;
    showMetrics(msg);
    for (const text of msg.cues || []) cue(text);
    if (msg.test) showTestProgress(msg.test);
    if (msg.recording_frames != null) $("record-status").textContent = `Recording · ${msg.recording_frames} frames`;
    adapt(msg);
  }

  function showMetrics(msg) {
    const m = msg.metrics || {};
    // A stopped test keeps showing its own count until the next test or another exercise.
    if (m.reps != null && root.dataset.test !== "stopped") {
      $("reps").textContent = m.reps; root.dataset.reps = m.reps;
      if (m.reps > lastReps) announceCount(m.reps);
      lastReps = m.reps;
    }
    if (m.partial_reps != null) $("partial").textContent = m.partial_reps;
    // Squat depth: peak knee flexion of the deepest complete repetition (the offline squat_depth).
    $("depth").textContent = m.depth != null && msg.exercise === "squat" ?
      `${Math.round(m.depth)}° knee flexion` + (m.last_depth != null ? ` (last ${Math.round(m.last_depth)}°)` : "") : "–";
    const cadence = m.cadence_steps_per_min ?? m.reps_per_min;
    $("cadence").textContent = cadence != null ? `${cadence.toFixed(0)} ${m.cadence_steps_per_min != null ? "steps" : "reps"}/min` : "–";
    $("stance").textContent = m.stance_s != null ? `${m.stance_s.toFixed(1)} s (best ${m.best_stance_s.toFixed(1)} s)` : "–";
    const subject = (msg.people || []).find((p) => p.subject);
    const body = $("angles").querySelector("tbody");
    body.replaceChildren(...Object.entries(subject ? subject.angles : {}).map(([k, v]) => {
      const tr = document.createElement("tr");
      const name = document.createElement("td"), value = document.createElement("td");
      name.textContent = k.replace("_", " "); value.textContent = `${v.toFixed(0)}°`;
      tr.append(name, value);
      return tr;
    }));
  }

  // ---- overlay -----------------------------------------------------------------------------------------
  function draw() {
    const w = overlay.clientWidth, h = overlay.clientHeight;
    if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
    ctx.clearRect(0, 0, w, h);
    if (!latest || !latest.width) { root.dataset.landmarks = 0; return; }
    // The video is letterboxed (object-fit: contain): map normalised image coordinates the same way.
    const scale = Math.min(w / latest.width, h / latest.height);
    const ox = (w - latest.width * scale) / 2, oy = (h - latest.height * scale) / 2;
    const X = (p) => ox + p[0] * latest.width * scale, Y = (p) => oy + p[1] * latest.height * scale;
    let drawn = 0;
    ctx.font = "600 14px system-ui, sans-serif";
    for (const person of latest.people) {
      const lm = person.landmarks, colour = PERSON_COLOURS[(person.id - 1) % PERSON_COLOURS.length];
      ctx.lineWidth = 3; ctx.strokeStyle = colour;
      for (const [a, b] of EDGES) {
        if (Math.min(lm[a][2], lm[b][2]) < 0.2) continue;
        ctx.beginPath(); ctx.moveTo(X(lm[a]), Y(lm[a])); ctx.lineTo(X(lm[b]), Y(lm[b])); ctx.stroke();
      }
      for (let i = 0; i < lm.length; i++) {
        ctx.fillStyle = colourFor(lm[i][2]);
        ctx.beginPath(); ctx.arc(X(lm[i]), Y(lm[i]), i < 11 ? 3 : 5, 0, 2 * Math.PI); ctx.fill();
        drawn++;
      }
      for (const [joint, deg] of Object.entries(person.angles)) {
        const p = lm[JOINT_AT[joint]];
        label(`${Math.round(deg)}°`, X(p) + 8, Y(p) - 6, "#fff");
      }
      const top = Math.min(...lm.map((p) => p[1]));
      label(`#${person.id}${person.subject ? " · patient" : ""}`, X(lm[0]) - 20, Y([0, top]) - 12, colour);
    }
    root.dataset.landmarks = drawn;
    root.dataset.poses = Number(root.dataset.poses) + (latest.people.length ? 1 : 0);
  }
  function label(text, x, y, colour) {
    ctx.fillStyle = "rgba(16,24,40,.7)";
    const width = ctx.measureText(text).width;
    ctx.fillRect(x - 3, y - 14, width + 6, 18);
    ctx.fillStyle = colour; ctx.fillText(text, x, y);
  }

  // ---- cues ----------------------------------------------------------------------------------------------
  // A form cue shows at once and is spoken at most every CUE_INTERVAL_MS, so the patient is not talked
  // over. Repetition counts are spoken only when nothing else is being said and do not use up a cue's
  // turn: they used to share the limit, so a cue that came within 4 s of a count was never spoken.
  function cue(text) {
    const el = $("cue");
    el.textContent = text; el.hidden = false;
    clearTimeout(cue.timer); cue.timer = setTimeout(() => { el.hidden = true; }, 3000);
    const now = performance.now();
    if (now - lastCueAt < CUE_INTERVAL_MS) return;
    lastCueAt = now;
    speak(text, true);
  }
  function announceCount(n) {
    if (!("speechSynthesis" in window) || speechSynthesis.speaking) return;
    speak(String(n), false);
  }
  function speak(text, urgent) {
    if (!settings.speak.checked || !("speechSynthesis" in window)) return;
    if (urgent) speechSynthesis.cancel();  // a cue replaces a count still being read out
    speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  }

  // ---- automatic quality: variant on the server, resolution here -----------------------------------------
  let slowSince = null;
  function adapt(msg) {
    if (settings.model.value !== "auto" || settings.mode.value !== "server") return;
    const now = performance.now();
    // The server already steps the model down; below 20 fps on the lightest model, send fewer pixels.
    if (poseTimes.length < 20 && msg.model === "lite") {
      slowSince = slowSince ?? now;
      if (now - slowSince > 3000 && settings.resolution.selectedIndex > 0) {
        settings.resolution.selectedIndex -= 1; slowSince = null;
        status(`Lowered the resolution to ${settings.resolution.value} px to keep the frame rate.`);
      }
    } else slowSince = null;
  }

  // ---- capture loops -----------------------------------------------------------------------------------
  async function sendFrame() {
    if (!ws || ws.readyState !== 1 || !video.videoWidth) return;
    // At most a few frames in flight: the server keeps only the newest anyway, so more would only add delay.
    if (seq - lastReplySeq > 3 && performance.now() - lastReplyAt < 1000) return;
    const width = Number(settings.resolution.value);
    const height = Math.round(width * video.videoHeight / video.videoWidth / 2) * 2;
    if (grab.width !== width || grab.height !== height) { grab.width = width; grab.height = height; }
    grab.getContext("2d").drawImage(video, 0, 0, width, height);
    const t = performance.now();
    const blob = await new Promise((resolve) => grab.toBlob(resolve, "image/jpeg", 0.8));
    if (!blob || !ws || ws.readyState !== 1) return;
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    const message = new Uint8Array(HEADER_BYTES + jpeg.length);
    const view = new DataView(message.buffer);
    view.setUint8(0, MAGIC_P); view.setUint8(1, MAGIC_F); view.setUint8(2, VERSION);
    view.setUint32(3, seq >>> 0, true); view.setFloat64(7, t, true);
    message.set(jpeg, HEADER_BYTES);
    if (message.length > maxFrameBytes) {  // the server would only answer frame_too_large
      status(`A frame of ${Math.round(message.length / 1024)} KB is over the server's limit of ` +
        `${Math.round(maxFrameBytes / 1024)} KB: choose a lower resolution.`);
      return;
    }
    ws.send(message.buffer);
    seq++;
  }

  async function loadBrowserPose() {
    if (browserPose) return browserPose;
    const base = root.dataset.vendor;
    await new Promise((resolve, reject) => {
      const s = document.createElement("script"); s.src = base + "pose.js"; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
    browserPose = new window.Pose({ locateFile: (file) => base + file });
    browserPose.onResults((r) => {
      const t = browserPose._sentAt;
      root.dataset.browserFrames = Number(root.dataset.browserFrames || 0) + 1;
      const lms = r.poseLandmarks ? [r.poseLandmarks.map((p) => [p.x, p.y, p.z, p.visibility ?? 0])] : [];
      const world = r.poseWorldLandmarks ? [r.poseWorldLandmarks.map((p) => [p.x, p.y, p.z])] : null;
      sendJSON({ type: "keypoints", seq: seq++, t, width: video.videoWidth, height: video.videoHeight,
        people: lms, world: lms.length ? world : null });
    });
    return browserPose;
  }
  async function browserStep() {
    const pose = await loadBrowserPose();
    const complexity = { lite: 0, full: 1, heavy: 2, auto: 1 }[settings.model.value];
    if (pose._complexity !== complexity) {
      pose.setOptions({ modelComplexity: complexity, smoothLandmarks: false, enableSegmentation: false });
      pose._complexity = complexity;
    }
    pose._sentAt = performance.now();
    await pose.send({ image: video });
  }

  async function tick() {
    if (!running) return;
    if (!sending) {
      sending = true;
      try {
        if (settings.mode.value === "browser") await browserStep(); else await sendFrame();
      } catch (err) { status(`Frame not sent: ${err.message || err}`); }
      sending = false;
    }
    const next = () => tick();
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(next); else setTimeout(next, 33);
  }

  async function startCamera() {
    if (running) return stopCamera();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (err) {
      status(`The camera could not be opened: ${err.message || err.name}.`); return;
    }
    video.srcObject = stream; await video.play();
    $("placeholder").hidden = true;
    connect();
    running = true; $("camera").textContent = "Stop camera";
    $("record").disabled = !settings.visit.value;
    tick();
  }
  function stopCamera() {
    if (countdownTimer || recording) toggleRecording();
    running = false;
    stream && stream.getTracks().forEach((t) => t.stop());
    ws && ws.close();
    $("camera").textContent = "Start camera"; $("record").disabled = true; $("placeholder").hidden = false;
  }

  // ---- standard tests: countdown, "go", the test's clock --------------------------------------------------
  // The page counts down and says "go"; the recording starts at "go" and the server stops it by the test's rule.
  function rule() { return RULES[settings.exercise.value] || null; }
  function showTest() {
    const r = rule();
    $("test-rule").hidden = !r; $("test-rule").textContent = r ? r.text : "";
    $("reps-label").textContent = r && r.counts === "sit_to_stand" ? "Stands" : "Repetitions";
    if (!recording && !countdownTimer) $("record").textContent = r ? "Start test" : "Start recording";
    settings.exercise.disabled = recording || countdownTimer !== null;
  }
  function startCountdown() {
    const el = $("countdown");
    let n = COUNTDOWN_S;
    root.dataset.test = "countdown"; root.dataset.over = "0"; $("record").textContent = "Cancel";
    $("test-clock").hidden = true; $("test-time").textContent = "–";
    const step = () => {
      el.hidden = false;
      if (n > 0) {
        el.textContent = n; el.classList.remove("go"); n--;
        countdownTimer = setTimeout(step, 1000);
      } else {
        el.textContent = "Go"; el.classList.add("go"); speak("Go", true);
        countdownTimer = null;
        sendJSON({ type: "record", action: "start", visit_id: settings.visit.value });
        setTimeout(() => { el.hidden = true; }, 1200);
      }
      showTest();
    };
    step();
  }
  function cancelCountdown() {
    clearTimeout(countdownTimer); countdownTimer = null;
    $("countdown").hidden = true; root.dataset.test = "none"; showTest();
  }
  function showTestProgress(t) {
    const text = `${t.elapsed_s.toFixed(1)} s of ${t.max_s.toFixed(0)} s`;
    $("test-time").textContent = text; $("test-clock").textContent = text; $("test-clock").hidden = false;
    if (t.over && root.dataset.over !== "1") {  // the patient stops; a timed test records a moment more
      root.dataset.over = "1"; speak("Stop", true);
      if (!t.stopped) status(`Time is up (${t.max_s.toFixed(0)} s); recording a moment more to see the last movement.`);
    }
    if (t.stopped && root.dataset.test !== "stopped") {
      root.dataset.test = "stopped"; root.dataset.stopReason = t.stopped; status(t.message);
    }
  }

  // ---- recording and results ---------------------------------------------------------------------------
  function toggleRecording() {
    if (countdownTimer) cancelCountdown();
    else if (recording) sendJSON({ type: "record", action: "stop" });
    else if (rule()) startCountdown();
    else sendJSON({ type: "record", action: "start", visit_id: settings.visit.value });
  }
  function onRecording(msg) {
    recording = msg.state === "started";
    root.dataset.recording = msg.state;
    if (recording && rule()) root.dataset.test = "running";
    if (!recording && root.dataset.test === "running") root.dataset.test = "stopped";  // stopped by hand
    if (recording) {
      // The server starts its counters again with the recording: the page shows the recording's reps.
      lastReps = 0; root.dataset.reps = 0;
      $("reps").textContent = "0"; $("partial").textContent = "0"; $("depth").textContent = "–";
    }
    const button = $("record");
    button.classList.toggle("recording", recording);
    if (recording) button.textContent = rule() ? "Stop test" : "Stop recording";
    showTest();
    if (msg.state === "stopped") {
      $("record-status").textContent = `Recording stored: ${msg.frames} frames at ${msg.fps} Hz.`;
      root.dataset.analysisId = msg.analysis_id;
      $("results-card").hidden = false;
      $("analysis-status").textContent = "Queued for analysis…";
    }
  }
  function onAnalysis(msg) {
    if (root.dataset.analysisId && msg.analysis_id !== root.dataset.analysisId) return;
    $("results-card").hidden = false;
    $("analysis-status").textContent = msg.status === "completed" ? "Analysis finished." :
      msg.status === "failed" ? `Analysis failed: ${msg.message || (msg.result && msg.result.failure_reason) || ""}` :
      `${msg.stage || "working"} · ${Math.round(msg.percent || 0)}%`;
    root.dataset.analysis = msg.status;
    if (msg.result && msg.result.metrics) {
      $("results").querySelector("tbody").replaceChildren(...msg.result.metrics.map((m) => {
        const tr = document.createElement("tr");
        const name = document.createElement("td");
        const value = document.createElement("td");
        name.textContent = `${m.metric.replaceAll("_", " ")}${m.side ? ` (${m.side})` : ""}`;
        // Counts are whole numbers and angles read to the degree ("2 count" not "2.00 count"); the
        // server's wording (m.text, clinic/reports/present.py) wins when it sends one.
        const decimals = ["count", "deg", "score"].includes(m.unit) ? 0 : 2;
        value.textContent = m.text ?? `${Number(m.value).toFixed(decimals)} ${m.unit === "deg" ? "°" : m.unit}`;
        tr.append(name, value);
        return tr;
      }));
    }
  }

  $("camera").addEventListener("click", startCamera);
  $("record").addEventListener("click", toggleRecording);
  for (const key of ["exercise", "model", "people"]) settings[key].addEventListener("change", () => {
    sendConfig(); lastReps = 0; root.dataset.test = "none"; showTest();
  });
  showTest();
  settings.visit.addEventListener("change", () => { $("record").disabled = !running || !settings.visit.value; });
  window.addEventListener("resize", draw);
  // A skeleton older than half a second no longer matches the picture: take it away.
  setInterval(() => { if (latest && performance.now() - lastReplyAt > 500) { latest = null; draw(); } }, 250);
})();
