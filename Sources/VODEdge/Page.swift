/// The page the edge serves at `/`: the catalog with renditions, duration and replicas,
/// a player for each video (native HLS where the browser has it; video.js, installed by
/// the setup into the static directory, for DASH and elsewhere), and the transcoder's
/// jobs with their state and progress. Plain HTML, CSS and a little JavaScript.
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
      @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
    </style>
    </head>
    <body>
    <header><h1>VOD</h1><span>edge page · drop files into the transcoder's spool <code>incoming/</code></span></header>
    <main>
      <div>
        <section id="player-box">
          <h2>Player</h2>
          <video id="player" controls playsinline muted></video>
          <div id="now">Pick a video below.</div>
        </section>
        <section>
          <h2>Videos</h2>
          <table><thead><tr><th>Video</th><th>Duration</th><th>Renditions</th><th>Replicas</th><th>Play</th></tr></thead>
            <tbody id="videos"><tr><td colspan="5" class="muted">Loading…</td></tr></tbody></table>
        </section>
      </div>
      <section>
        <h2>Transcoder jobs</h2>
        <div id="jobs" class="muted">Loading…</div>
      </section>
    </main>
    <script src="/static/videojs/video.min.js"></script>
    <script>
    const JOBS_URL = "__JOBS_URL__";
    const video = document.getElementById("player");
    let vjs = null;
    window.vodState = { error: null, playing: null };
    const watch = el => el.addEventListener("error", () => { window.vodState.error = el.error ? el.error.code + " " + el.error.message : "error"; });
    watch(video);
    function esc(s) { return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])); }
    function duration(s) { s = Math.round(s || 0); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

    // Native HLS when the browser has it (Safari, Chromium builds with it); video.js for DASH and elsewhere.
    window.play = function (id, kind) {
      const url = kind === "dash" ? `/dash/${id}/manifest.mpd` : kind === "ts" ? `/hls-ts/${id}/master.m3u8` : `/hls/${id}/master.m3u8`;
      window.vodState = { error: null, playing: url };
      const native = kind !== "dash" && video.canPlayType("application/vnd.apple.mpegurl") !== "";
      document.getElementById("now").textContent = `${url} (${native ? "native HLS" : "video.js"})`;
      if (native) {
        if (vjs) {
          // video.js takes its <video> with it when disposed: put a fresh one back.
          vjs.dispose(); vjs = null;
          const fresh = document.createElement("video");
          fresh.id = "player"; fresh.controls = true; fresh.playsInline = true; fresh.muted = true;
          watch(fresh);
          document.getElementById("player-box").insertBefore(fresh, document.getElementById("now"));
        }
        const v = document.getElementById("player");
        // A play() cut short by the next video's load rejects with AbortError: not this video's failure.
        const state = window.vodState;
        v.src = url; v.play().catch(e => { if (e.name !== "AbortError") state.error = String(e); });
        return;
      }
      if (!window.videojs) { window.vodState.error = "video.js is not installed (make run installs it)"; return; }
      if (!vjs) {
        vjs = videojs("player", { muted: true, autoplay: true });
        vjs.on("error", () => { const e = vjs.error(); window.vodState.error = e ? e.code + " " + e.message : "error"; });
      }
      vjs.src({ src: url, type: kind === "dash" ? "application/dash+xml" : "application/x-mpegURL" });
      vjs.play();
    };
    window.currentTime = () => vjs ? vjs.currentTime() : document.getElementById("player").currentTime;

    async function refreshVideos() {
      try {
        const list = await (await fetch("/api/catalog")).json();
        document.getElementById("videos").innerHTML = list.length ? list.map(v => `
          <tr><td class="id">${esc(v.title || v.id)}<br><span class="muted">${esc(v.id)}</span></td>
              <td>${duration(v.duration)}</td>
              <td>${(v.renditions || []).map(r => `<span class="pill">${esc(r)}</span>`).join("")}</td>
              <td>${(v.replicas || []).map(r => `<span class="pill">${esc(r.replace("http://", ""))}</span>`).join("")}</td>
              <td><button onclick="play('${esc(v.id)}','hls')">HLS</button><button onclick="play('${esc(v.id)}','ts')">HLS-TS</button><button onclick="play('${esc(v.id)}','dash')">DASH</button></td></tr>`).join("")
          : `<tr><td colspan="5" class="muted">No video yet: drop a file into the spool.</td></tr>`;
      } catch (e) { document.getElementById("videos").innerHTML = `<tr><td colspan="5" class="muted">Catalog unavailable: ${esc(e)}</td></tr>`; }
    }

    async function refreshJobs() {
      if (!JOBS_URL) { document.getElementById("jobs").textContent = "No transcoder status URL configured."; return; }
      try {
        const j = await (await fetch(JOBS_URL)).json();
        const rows = [];
        for (const f of j.incoming) rows.push(`<div class="job"><span class="state incoming">incoming</span> <b>${esc(f.name)}</b> <span class="muted">${(f.bytes / 1e6).toFixed(1)} MB</span></div>`);
        for (const c of j.claimed) {
          const l = c.lease || {}; const pct = l.percent || 0;
          rows.push(`<div class="job"><span class="state ${esc(l.state || "claimed")}">${esc(l.state || "claimed")}</span> <b>${esc(l.original || c.job)}</b>
            <span class="muted">${pct.toFixed(1)}% · ${l.fps || 0} fps · ${(l.speed || 0).toFixed(2)}× · ETA ${duration(l.etaSeconds)}</span>
            <div class="bar"><div style="width:${pct}%"></div></div>${l.message ? `<div class="muted">${esc(l.message)}</div>` : ""}</div>`);
        }
        for (const f of j.failed) rows.push(`<div class="job"><span class="state failed">failed</span> <b>${esc(f.source || f.job)}</b><div class="muted">${esc(f.stage)}: ${esc(f.reason)}${f.libav ? " (" + esc(f.libav) + ")" : ""}</div></div>`);
        for (const d of j.done.slice().reverse()) rows.push(`<div class="job"><span class="state done">done</span> <b>${esc(d.source || d.job)}</b> <span class="muted">${duration(d.duration)} · on ${(d.replicas || []).length} origins</span></div>`);
        document.getElementById("jobs").innerHTML = rows.join("") || `<span class="muted">No jobs.</span>`;
      } catch (e) { document.getElementById("jobs").innerHTML = `<span class="muted">Transcoder unavailable (${esc(JOBS_URL)}).</span>`; }
    }
    refreshVideos(); refreshJobs();
    setInterval(refreshVideos, 3000); setInterval(refreshJobs, 1500);
    </script>
    </body>
    </html>
    """#
}
