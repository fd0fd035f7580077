// The visit page: follow running analyses (WebSocket, with the API as a fallback), send each review
// form once, and upload videos resumably (tus-js-client against the visit's tus endpoint). Values
// come from data- attributes: #analyses data-ws / data-api, #video-form data-tus-endpoint. Without
// tus-js-client (not installed, or an old browser) the form posts the whole file in one request, as
// without JavaScript.
(function () {
  "use strict";

  function followAnalyses() {
    const box = document.getElementById("analyses");
    if (!box || !box.querySelector('[data-status="requested"]')) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + box.dataset.ws);
    // An analysis may finish between this page's rendering and the socket joining the group (or the
    // socket may be unavailable): ask the API once connected, and every few seconds as a fallback.
    function check() {
      fetch(box.dataset.api, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (rows) {
        const shown = box.querySelectorAll('[data-status="requested"]');
        for (const row of shown) {
          const now = rows.find(function (a) { return a.analysis_id === row.dataset.analysis; });
          if (now && now.status !== "requested") { location.reload(); return; }
        }
      }).catch(function () {});
    }
    let heard = Date.now();
    socket.onopen = check;
    setInterval(function () { if (Date.now() - heard > 10000) check(); }, 5000);
    socket.onmessage = function (event) {
      heard = Date.now();
      const msg = JSON.parse(event.data);
      const row = box.querySelector('[data-analysis="' + msg.analysis_id + '"]');
      if (!row) { location.reload(); return; }
      const bar = row.querySelector(".bar");
      if (bar) {
        const shown = parseFloat(bar.style.width) || 0;
        const percent = Math.max(shown, msg.percent);  // steps finish in any order: never go back
        bar.style.width = percent + "%";
        row.querySelector(".percent").textContent = Math.round(percent) + "%";
        row.querySelector(".stage").textContent = msg.message || msg.stage;
      }
      if (msg.status === "completed" || msg.status === "failed") { socket.close(); location.reload(); }
    };
  }

  function showMessage(kind, text) {
    const main = document.querySelector("main");
    let list = main.querySelector(".messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      main.insertBefore(list, main.firstChild);
    }
    list.replaceChildren();
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    list.appendChild(item);
  }

  function serverMessage(error) {
    const response = error && error.originalResponse;
    if (response) {
      try {
        const body = JSON.parse(response.getBody());
        if (body && body.message) return body.message;
      } catch (ignored) { /* not our JSON: fall through */ }
    }
    return "The upload stopped and could not be resumed; choose the file again to continue where it stopped.";
  }

  function resumableUploads() {
    const form = document.getElementById("video-form");
    if (!form || !window.tus || !window.tus.isSupported) return;
    const input = form.querySelector('input[type="file"][name="video"]');
    const button = form.querySelector('button[type="submit"]');
    const progress = document.getElementById("upload-progress");
    const bar = progress.querySelector(".bar");
    const percent = progress.querySelector(".percent");
    const stage = progress.querySelector(".stage");

    form.addEventListener("submit", function (event) {
      const file = input && input.files[0];
      if (!file) return;  // the form itself says that a file is needed
      event.preventDefault();
      const fields = new FormData(form);
      const options = {
        filename: file.name,
        filetype: file.type || "",
        activity: String(fields.get("activity") || ""),
        model: String(fields.get("model") || ""),
        height_m: String(fields.get("height_m") || ""),
      };
      let analysis = null;
      let duplicate = false;
      const upload = new window.tus.Upload(file, {
        endpoint: form.dataset.tusEndpoint,
        // Pieces of 8 MiB: a dropped connection loses at most the piece in flight.
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
        metadata: options,
        headers: {"X-CSRFToken": fields.get("csrfmiddlewaretoken")},
        // The same file with the same options resumes after a reload (localStorage keeps its URL).
        fingerprint: function (f) {
          return Promise.resolve(["visit-upload", form.dataset.tusEndpoint, f.name, f.size, f.lastModified,
            options.activity, options.model, options.height_m].join("|"));
        },
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          const share = total ? (100 * sent) / total : 0;
          bar.style.width = share + "%";
          percent.textContent = Math.floor(share) + "%";
          stage.textContent = share >= 100 ? "checking the video" : "uploading";
        },
        onAfterResponse: function (request, response) {
          const id = response.getHeader("Analysis-Id");
          if (id) { analysis = id; duplicate = response.getHeader("Analysis-Duplicate") === "true"; }
        },
        onSuccess: function () {
          const query = "?uploaded=" + encodeURIComponent(analysis || "") + (duplicate ? "&duplicate=1" : "");
          location.assign(location.pathname + query);
        },
        onError: function (error) {
          button.disabled = false;
          progress.hidden = true;
          showMessage("error", serverMessage(error));
        },
      });
      button.disabled = true;
      progress.hidden = false;
      stage.textContent = "starting";
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          stage.textContent = "resuming";
        }
        upload.start();
      });
    });
  }

  // A review form is sent once: a second click while the page reloads would only be refused (a value
  // is reviewed once), so it is not sent at all.
  function sendReviewsOnce() {
    for (const form of document.querySelectorAll("form.review-form")) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
      });
    }
  }

  // After a resumable upload the page was loaded with ?uploaded=...: drop it so a reload does not
  // repeat the confirmation.
  if (location.search.indexOf("uploaded=") !== -1) history.replaceState(null, "", location.pathname);
  followAnalyses();
  resumableUploads();
  sendReviewsOnce();
})();
