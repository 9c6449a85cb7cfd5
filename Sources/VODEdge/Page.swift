/// The page the edge serves at `/`: the catalog with renditions, duration and replicas,
/// a player for each video (native HLS where the browser has it; video.js, installed by
/// the setup into the static directory, for DASH and elsewhere), uploads (drag and drop or
/// a file picker, through our own small tus 1.0 client: progress, pause and resume, resumed
/// after a reload), and the transcoder's jobs followed live through Server-Sent Events.
/// Plain HTML, CSS and JavaScript; no third-party code but the player.
enum Page {
    static func html(jobsURL: String) -> String {
        template.replacingOccurrences(of: "__JOBS_URL__", with: jobsURL.replacingOccurrences(of: "\"", with: ""))
    }

    static let template = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>VOD</title>
    <link rel="stylesheet" href="/static/videojs/video-js.min.css" onerror="this.remove()">
    <style>
      :root { --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec; --accent: #2f6fed; --ok: #1f9d55; --bad: #d64545; --warn: #c98a00; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7f9; }
      header { background: var(--ink); color: #fff; padding: 14px 28px; display: flex; align-items: baseline; gap: 16px; }
      header h1 { margin: 0; font-size: 20px; letter-spacing: .5px; }
      header span { color: #aab3c5; font-size: 13px; }
      main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(280px, 1fr); gap: 24px; padding: 24px 28px; }
      section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; }
      h2 { font-size: 15px; margin: 0 0 12px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); }
      #player-box { margin-bottom: 24px; }
      video { width: 100%; max-height: 60vh; background: #000; border-radius: 6px; }
      #now { color: var(--muted); font-size: 13px; margin-top: 6px; min-height: 1.4em; }
      table { width: 100%; border-collapse: collapse; }
      th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); vertical-align: top; font-size: 14px; }
      th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
      td.id { font-family: ui-monospace, monospace; font-size: 12px; }
      .pill { display: inline-block; padding: 1px 7px; margin: 1px 2px 1px 0; border-radius: 10px; background: #eef1f6; font-size: 12px; }
      button { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 5px; padding: 3px 9px; margin: 1px 3px 1px 0; cursor: pointer; font-size: 13px; }
      button:hover { background: var(--accent); color: #fff; }
      .job { border-bottom: 1px solid var(--line); padding: 8px 0; font-size: 14px; }
      .job b { font-weight: 600; }
      .state { font-size: 12px; font-weight: 600; text-transform: uppercase; }
      .state.done { color: var(--ok); } .state.failed { color: var(--bad); } .state.claimed, .state.transcoding { color: var(--accent); }
      .state.under-replicated, .state.incoming { color: var(--warn); }
      .bar { height: 6px; background: var(--line); border-radius: 3px; margin-top: 5px; overflow: hidden; }
      .bar > div { height: 100%; background: var(--accent); }
      .muted { color: var(--muted); font-size: 13px; }
      #drop { border: 2px dashed var(--line); border-radius: 8px; padding: 18px; text-align: center; color: var(--muted); margin: 8px 0; }
      #drop.over { border-color: var(--accent); color: var(--accent); }
      input[type=password], input[type=text] { width: 100%; padding: 5px 7px; border: 1px solid var(--line); border-radius: 5px; font-size: 13px; }
      .upload { border-bottom: 1px solid var(--line); padding: 8px 0; font-size: 14px; }
      .upload a { font-size: 12px; margin-right: 8px; }
      .state.receiving, .state.queued, .state.publishing { color: var(--accent); } .state.duplicate { color: var(--ok); }
      @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
      #scrub { position: relative; height: 10px; margin: 8px 0 4px; background: #dde3ec; border-radius: 5px; cursor: pointer; }
      #scrub-fill { height: 100%; width: 0; background: #3b6fd8; border-radius: 5px; }
      #scrub-preview { position: absolute; bottom: 16px; display: none; border: 2px solid #fff; box-shadow: 0 2px 8px rgba(0,0,0,.35); pointer-events: none; }
    </style>
    </head>
    <body>
    <header><h1>VOD</h1><span>edge page · upload below, or drop files into the transcoder's spool <code>incoming/</code></span></header>
    <main>
      <div>
        <section id="player-box">
          <h2>Player</h2>
          <video id="player" controls playsinline muted></video>
          <div id="scrub" title="hover for previews, click to seek"><div id="scrub-fill"></div><div id="scrub-preview"></div></div>
          <div id="now">Pick a video below.</div>
        </section>
        <section>
          <h2>Videos</h2>
          <table><thead><tr><th>Video</th><th>Duration</th><th>Renditions</th><th>Replicas</th><th>Play</th></tr></thead>
            <tbody id="videos"><tr><td colspan="5" class="muted">Loading…</td></tr></tbody></table>
        </section>
      </div>
      <div>
        <section style="margin-bottom: 24px">
          <h2>Upload</h2>
          <input id="token" type="password" placeholder="upload token" autocomplete="off">
          <div id="drop">Drop video files here, or <input id="file" type="file" multiple accept="video/*,audio/*,.mp4,.mov,.mkv,.webm,.m4v"></div>
          <div id="uploads"></div>
        </section>
        <section>
          <h2>Transcoder jobs</h2>
          <div id="jobs" class="muted">Loading…</div>
        </section>
      </div>
    </main>
    <script src="/static/videojs/video.min.js"></script>
    <script>
    const JOBS_URL = "__JOBS_URL__";
    const video = document.getElementById("player");
    let vjs = null;
    let catalog = new Map();
    window.vodState = { error: null, playing: null };
    const watch = el => el.addEventListener("error", () => { window.vodState.error = el.error ? el.error.code + " " + el.error.message : "error"; });
    watch(video);
    function esc(s) { return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])); }
    function duration(s) { s = Math.round(s || 0); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

    // Native HLS when the browser has it (Safari, Chromium builds with it); video.js for DASH and elsewhere.
    window.play = function (id, kind) {
      const url = kind === "dash" ? `/dash/${id}/manifest.mpd` : kind === "ts" ? `/hls-ts/${id}/master.m3u8` : `/hls/${id}/master.m3u8`;
      window.vodState = { error: null, playing: url, id: id, kind: kind };
      loadSprites(id);
      // Browsers' own HLS shows no subtitle or audio menus (Chromium's has neither): video.js does.
      const entry = catalog.get(id) || {};
      const menus = (entry.subtitles || []).length > 0 || (entry.audio || []).length > 1;
      const native = kind !== "dash" && !(menus && window.videojs) && video.canPlayType("application/vnd.apple.mpegurl") !== "";
      document.getElementById("now").textContent = `${url} (${native ? "native HLS" : "video.js"})`;
      if (native) {
        if (vjs) {
          // video.js takes its <video> with it when disposed: put a fresh one back.
          vjs.dispose(); vjs = null;
          const fresh = document.createElement("video");
          fresh.id = "player"; fresh.controls = true; fresh.playsInline = true; fresh.muted = true;
          watch(fresh);
          document.getElementById("player-box").insertBefore(fresh, document.getElementById("scrub"));
        }
        const v = document.getElementById("player");
        // A play() cut short by the next video's load rejects with AbortError: not this video's failure.
        const state = window.vodState;
        v.src = url; v.play().catch(e => { if (e.name !== "AbortError") state.error = String(e); });
        return;
      }
      if (!window.videojs) { window.vodState.error = "video.js is not installed (make run installs it)"; return; }
      if (!vjs) {
        // Its skin styles only a player whose <video> has the class; fluid: the box's width at the video's aspect.
        document.getElementById("player").classList.add("video-js", "vjs-fluid");
        // video.js's own engine and tracks even where the browser plays HLS: its menus need them.
        vjs = videojs("player", { muted: true, autoplay: true, html5: { vhs: { overrideNative: true }, hls: { overrideNative: true },
                                  nativeAudioTracks: false, nativeVideoTracks: false, nativeTextTracks: false } });
        vjs.on("error", () => { const e = vjs.error(); window.vodState.error = e ? e.code + " " + e.message : "error"; });
      }
      vjs.src({ src: url, type: kind === "dash" ? "application/dash+xml" : "application/x-mpegURL" });
      vjs.play();
    };
    window.currentTime = () => vjs ? vjs.currentTime() : document.getElementById("player").currentTime;

    // Scrub previews: the video's sprite track (/thumb/<id>/sprites.vtt); hovering the bar under
    // the player shows the tile for that time, a click seeks there.
    let sprites = [];
    async function loadSprites(id) {
      sprites = [];
      try {
        const text = await (await fetch(`/thumb/${encodeURIComponent(id)}/sprites.vtt`)).text();
        const at = (h, m, s, f) => +h * 3600 + +m * 60 + +s + +f / 1000;
        for (const m of text.matchAll(/(\d+):(\d+):(\d+)\.(\d+) --> (\d+):(\d+):(\d+)\.(\d+)\n(\S+?)#xywh=(\d+),(\d+),(\d+),(\d+)/g))
          sprites.push({ start: at(m[1], m[2], m[3], m[4]), end: at(m[5], m[6], m[7], m[8]), url: `/thumb/${encodeURIComponent(id)}/${m[9]}`,
                         x: +m[10], y: +m[11], w: +m[12], h: +m[13] });
      } catch (e) { sprites = []; }
    }
    const scrub = document.getElementById("scrub"), preview = document.getElementById("scrub-preview");
    const spriteEnd = () => sprites.length ? sprites[sprites.length - 1].end : 0;
    const scrubTime = e => { const r = scrub.getBoundingClientRect(); return Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * spriteEnd(); };
    scrub.addEventListener("mousemove", e => {
      if (!sprites.length) return;
      const t = scrubTime(e);
      const s = sprites.find(s => t >= s.start && t < s.end) || sprites[sprites.length - 1];
      const left = Math.max(0, Math.min(scrub.clientWidth - s.w, e.clientX - scrub.getBoundingClientRect().left - s.w / 2));
      preview.style.cssText = `display: block; left: ${left}px; width: ${s.w}px; height: ${s.h}px; background: url("${s.url}") -${s.x}px -${s.y}px;`;
      preview.dataset.time = t.toFixed(2);
      preview.dataset.tile = `${s.url}#xywh=${s.x},${s.y},${s.w},${s.h}`;
    });
    scrub.addEventListener("mouseleave", () => { preview.style.display = "none"; });
    scrub.addEventListener("click", e => {
      if (!sprites.length) return;
      const t = scrubTime(e);
      if (vjs) vjs.currentTime(t); else document.getElementById("player").currentTime = t;
    });
    setInterval(() => {
      const end = spriteEnd(), t = window.currentTime() || 0;
      document.getElementById("scrub-fill").style.width = end ? `${Math.min(100, 100 * t / end)}%` : "0";
    }, 250);

    // The player's subtitle and audio tracks (what its menus offer), for scripts and tests.
    const list = l => Array.from({ length: l ? l.length : 0 }, (_, i) => l[i]);
    window.playerTracks = () => {
      const v = document.getElementById("player");
      const text = list(vjs ? vjs.textTracks() : v.textTracks).filter(t => t.kind === "subtitles" || t.kind === "captions");
      return { text: text.map(t => ({ label: t.label, language: t.language, mode: t.mode, active: list(t.activeCues).map(c => c.text) })),
               audio: list(vjs ? vjs.audioTracks() : v.audioTracks).map(t => ({ label: t.label, language: t.language, enabled: t.enabled })) };
    };
    window.showSubtitles = language => {
      const v = document.getElementById("player");
      for (const t of list(vjs ? vjs.textTracks() : v.textTracks))
        if (t.kind === "subtitles" || t.kind === "captions") t.mode = t.language === language ? "showing" : "disabled";
    };
    window.chooseAudio = language => {
      const v = document.getElementById("player");
      const tracks = list(vjs ? vjs.audioTracks() : v.audioTracks);
      const pick = tracks.find(t => t.language === language);
      if (pick) pick.enabled = true;
      return !!pick;
    };

    // A video published early (lowest rung first) gains its other rungs when its job is done;
    // players read a master playlist once, so the one playing it is reloaded where it was.
    function reloadIfPlaying(id) {
      const s = window.vodState;
      if (!s || s.id !== id || s.error) return;
      const t = window.currentTime();
      play(id, s.kind);
      if (vjs) vjs.one("loadedmetadata", () => vjs.currentTime(t));
      else document.getElementById("player").addEventListener("loadedmetadata", e => { e.target.currentTime = t; }, { once: true });
    }

    async function refreshVideos() {
      try {
        const videos = await (await fetch("/api/catalog")).json();
        catalog = new Map(videos.map(v => [v.id, v]));
        document.getElementById("videos").innerHTML = videos.length ? videos.map(v => `
          <tr><td class="id">${esc(v.title || v.id)}<br><span class="muted">${esc(v.id)}</span></td>
              <td>${duration(v.duration)}</td>
              <td>${(v.renditions || []).map(r => `<span class="pill">${esc(r)}</span>`).join("")}
                  ${(v.audio || []).length > 1 ? `<br><span class="muted">audio:</span> ${v.audio.map(esc).join(", ")}` : ""}
                  ${(v.subtitles || []).length ? `<br><span class="muted">subtitles:</span> ${v.subtitles.map(esc).join(", ")}` : ""}</td>
              <td>${(v.replicas || []).map(r => `<span class="pill">${esc(r.replace("http://", ""))}</span>`).join("")}</td>
              <td><button onclick="play('${esc(v.id)}','hls')">HLS</button><button onclick="play('${esc(v.id)}','ts')">HLS-TS</button><button onclick="play('${esc(v.id)}','dash')">DASH</button>
                  ${(v.downloads || []).map(d => `<a class="download" href="${esc(d)}">${esc(d.split(".").pop().toUpperCase())}</a>`).join(" ")}</td></tr>`).join("")
          : `<tr><td colspan="5" class="muted">No video yet: drop a file into the spool.</td></tr>`;
      } catch (e) { document.getElementById("videos").innerHTML = `<tr><td colspan="5" class="muted">Catalog unavailable: ${esc(e)}</td></tr>`; }
    }

    // Live jobs: every change in the spool arrives as an event; the list is drawn from them.
    const EVENTS_URL = JOBS_URL.replace(/\/?$/, "/events");
    const entries = new Map();
    function renderJobs() {
      const of = kind => [...entries.values()].filter(e => e.kind === kind);
      const rows = [];
      for (const e of of("incoming")) rows.push(`<div class="job"><span class="state incoming">incoming</span> <b>${esc(e.incoming.name)}</b> <span class="muted">${(e.incoming.bytes / 1e6).toFixed(1)} MB</span></div>`);
      for (const e of of("claimed")) {
        const l = e.claimed.lease || {}; const pct = l.percent || 0;
        rows.push(`<div class="job"><span class="state ${esc(l.state || "claimed")}">${esc(l.state || "claimed")}</span> <b>${esc(l.original || e.claimed.job)}</b>
          <span class="muted">${pct.toFixed(1)}% · ${l.fps || 0} fps · ${(l.speed || 0).toFixed(2)}× · ETA ${duration(l.etaSeconds)}${l.playable ? " · playable now with " + esc(l.playable.join(", ")) : ""}</span>
          <div class="bar"><div style="width:${pct}%"></div></div>${l.message ? `<div class="muted">${esc(l.message)}</div>` : ""}</div>`);
      }
      for (const e of of("failed")) { const f = e.failed; rows.push(`<div class="job"><span class="state failed">failed</span> <b>${esc(f.source || f.job)}</b><div class="muted">${esc(f.stage)}: ${esc(f.reason)}${f.libav ? " (" + esc(f.libav) + ")" : ""}</div></div>`); }
      for (const e of of("done").reverse()) { const d = e.done; rows.push(`<div class="job"><span class="state done">done</span> <b>${esc(d.source || d.job)}</b> <span class="muted">${duration(d.duration)} · on ${(d.replicas || []).length} origins</span></div>`); }
      document.getElementById("jobs").innerHTML = rows.join("") || `<span class="muted">No jobs.</span>`;
    }
    function listen() {
      const source = new EventSource(EVENTS_URL);
      source.addEventListener("spool", e => {
        const d = JSON.parse(e.data);
        const before = entries.get(d.key);
        if (d.removed) entries.delete(d.key); else entries.set(d.key, d);
        if (d.kind === "upload" && d.upload) uploadChanged(d.upload);
        renderJobs();
        if (d.kind === "done") { refreshVideos(); reloadIfPlaying(d.done && d.done.video); }
        // Published early: it is in the catalog now.
        const playable = x => x && x.claimed && x.claimed.lease && x.claimed.lease.playable;
        if (d.kind === "claimed" && playable(d) && !playable(before)) refreshVideos();
      });
      source.onerror = () => { if (!entries.size) document.getElementById("jobs").innerHTML = `<span class="muted">Transcoder unavailable (${esc(EVENTS_URL)}); retrying…</span>`; };
    }

    // Uploads: tus 1.0 (tus.io) in 8 MiB PATCHes; the upload's URL is kept by file name,
    // size and mtime, so a reload or a dropped network resumes from the server's offset.
    const UPLOADS_URL = "/api/uploads", CHUNK = 8 << 20;
    const tokenBox = document.getElementById("token");
    tokenBox.value = localStorage.getItem("vodUploadToken") || "";
    tokenBox.onchange = () => localStorage.setItem("vodUploadToken", tokenBox.value);
    const uploads = new Map();  // upload id → Upload
    window.vodUploads = [];
    function b64(text) { return btoa(unescape(encodeURIComponent(text))); }
    function size(n) { return n >= 1e9 ? (n / 1e9).toFixed(2) + " GB" : (n / 1e6).toFixed(1) + " MB"; }
    class Upload {
      constructor(file) {
        this.file = file; this.key = `vodUpload:${file.name}:${file.size}:${file.lastModified}`;
        this.url = localStorage.getItem(this.key); this.offset = 0; this.state = "starting"; this.status = null; this.error = ""; this.shown = [];
        this.el = document.createElement("div"); this.el.className = "upload";
        document.getElementById("uploads").prepend(this.el);
        window.vodUploads.push(this);
        this.render();
      }
      headers(extra) { return Object.assign({ "Tus-Resumable": "1.0.0", "Authorization": "Bearer " + tokenBox.value }, extra || {}); }
      async run() {
        for (let attempt = 0; attempt < 30 && !this.paused; attempt++) {
          try { await this.send(); return; } catch (e) {
            this.error = String(e.message || e);
            if (e.fatal) { this.state = "failed"; this.render(); return; }
            this.state = "retrying"; this.render();
            await new Promise(r => setTimeout(r, Math.min(10, 1 + attempt) * 1000));
          }
        }
      }
      async send() {
        this.paused = false; this.error = "";
        if (this.url) {
          const r = await fetch(this.url, { method: "HEAD", headers: this.headers() });
          if (r.ok) this.offset = Number(r.headers.get("Upload-Offset")); else { this.url = null; localStorage.removeItem(this.key); }
        }
        if (!this.url) {
          const r = await fetch(UPLOADS_URL, { method: "POST", headers: this.headers({ "Upload-Length": String(this.file.size), "Upload-Metadata": "filename " + b64(this.file.name) }) });
          if (r.status !== 201) { const e = new Error(`${r.status} ${(await r.text()).trim()}`); e.fatal = r.status < 500; throw e; }
          this.url = new URL(r.headers.get("Location"), location.href).pathname;
          localStorage.setItem(this.key, this.url); this.offset = 0;
        }
        this.id = this.url.split("/").pop(); uploads.set(this.id, this);
        this.startedAt = Date.now(); this.startOffset = this.offset; this.state = "uploading"; this.render();
        while (this.offset < this.file.size && !this.paused) await this.patch();
        if (this.offset >= this.file.size) { localStorage.removeItem(this.key); this.state = "uploaded"; this.render(); }
      }
      patch() {
        return new Promise((resolve, reject) => {
          const xhr = new XMLHttpRequest(); this.xhr = xhr;
          xhr.open("PATCH", this.url);
          const h = this.headers({ "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(this.offset) });
          for (const k in h) xhr.setRequestHeader(k, h[k]);
          xhr.upload.onprogress = e => { this.sending = this.offset + e.loaded; this.render(); };
          xhr.onload = () => {
            if (xhr.status === 204) { this.offset = Number(xhr.getResponseHeader("Upload-Offset")); this.render(); resolve(); }
            else { const e = new Error(`${xhr.status} ${xhr.responseText.trim()}`); e.fatal = xhr.status >= 400 && xhr.status < 500 && xhr.status !== 409 && xhr.status !== 423; reject(e); }
          };
          xhr.onerror = () => reject(new Error("network error"));
          xhr.onabort = () => resolve();
          xhr.send(this.file.slice(this.offset, this.offset + CHUNK));
        });
      }
      pause() { this.paused = true; this.state = "paused"; if (this.xhr) this.xhr.abort(); this.render(); }
      resume() { this.paused = false; this.run(); }
      render() {
        const s = this.status, sent = Math.max(this.offset, this.sending || 0), pct = this.file.size ? 100 * sent / this.file.size : 100;
        const seconds = (Date.now() - (this.startedAt || Date.now())) / 1000, speed = seconds > 0.5 ? (sent - this.startOffset) / seconds : 0;
        const left = speed > 0 ? (this.file.size - sent) / speed : 0;
        if (this.state === "uploading" && Math.floor(pct) !== this.shown[this.shown.length - 1]) this.shown.push(Math.floor(pct));  // what the bar showed (tests)
        let state = s && this.state === "uploaded" ? s.state : this.state;
        let line = state === "uploading" || state === "paused" || state === "retrying"
          ? `${size(sent)} of ${size(this.file.size)} · ${size(speed)}/s · ${duration(left)} left
             <button onclick="vodUploads[${window.vodUploads.indexOf(this)}].${state === "uploading" ? "pause" : "resume"}()">${state === "uploading" ? "Pause" : "Resume"}</button>` : "";
        if (s && s.state === "transcoding") line = `${(s.percent || 0).toFixed(1)}% transcoded · ETA ${duration(s.etaSeconds)}`;
        if (s && (s.state === "done" || s.state === "duplicate") && s.video) {
          line = `<button onclick="play('${esc(s.video)}','hls')">Play</button>` + (s.downloads || []).map(d => `<a href="${esc(d)}">${esc(d.split("/").pop().split("?")[0])}</a>`).join("");
        }
        if (s && s.state === "failed") line = `${esc(s.stage || "")}: ${esc(s.reason || "")}`;
        this.el.dataset.state = state;
        this.el.innerHTML = `<span class="state ${esc(state)}">${esc(state)}</span> <b>${esc(this.file.name)}</b> <div class="muted">${line}${this.error ? " " + esc(this.error) : ""}</div>
          <div class="bar"><div style="width:${s && s.state === "transcoding" ? s.percent || 0 : pct}%"></div></div>`;
      }
    }
    function uploadChanged(status) {
      const u = uploads.get(status.id);
      if (!u) return;
      u.status = status; if (u.state !== "uploaded" && status.offset === status.length) u.state = "uploaded";
      u.render();
    }
    window.uploadState = name => { const u = window.vodUploads.find(u => u.file.name === name); return u ? { state: u.status && u.state === "uploaded" ? u.status.state : u.state, video: u.status && u.status.video, offset: u.offset, error: u.error, shown: u.shown } : null; };
    function add(files) { for (const f of files) new Upload(f).run(); }
    const drop = document.getElementById("drop");
    drop.ondragover = e => { e.preventDefault(); drop.classList.add("over"); };
    drop.ondragleave = () => drop.classList.remove("over");
    drop.ondrop = e => { e.preventDefault(); drop.classList.remove("over"); add(e.dataTransfer.files); };
    document.getElementById("file").onchange = e => { add(e.target.files); e.target.value = ""; };

    refreshVideos(); listen();
    setInterval(refreshVideos, 5000);
    </script>
    </body>
    </html>
    """#
}
