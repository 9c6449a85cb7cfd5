// The end-to-end test's bare MSE player (run in Chromium by scripts/e2e-test.py): appends a
// video's CMAF init and media segments, with the codecs /api/videos/<id> announces, to
// Chromium's own MediaSource and plays. hls.js, dash.js and shaka feed MSE the same bytes;
// the page's video.js 7.5 (the newest on PyPI) knows only AVC and AAC for MSE, so AV1, VP9
// and Opus are played here. A second argument names the one video track to play (a ladder
// with several codecs has a video track per rung), with the audio.
(async (id, only) => {
  window.vodState = { error: null, playing: "mse:" + id };
  const info = await (await fetch(`/api/videos/${id}`)).json();
  const old = document.getElementById("mse"); if (old) old.remove();
  const v = document.createElement("video"); v.id = "mse"; v.muted = true; document.body.appendChild(v);
  window.currentTime = () => v.currentTime;
  v.addEventListener("error", () => { window.vodState.error = "media error " + (v.error && v.error.code) + " " + (v.error && v.error.message); });
  const ms = new MediaSource(); v.src = URL.createObjectURL(ms);
  await new Promise(r => ms.addEventListener("sourceopen", r, { once: true }));
  const tracks = info.tracks.filter(t => !only || t.type !== "video" || t.name === only);
  if (only && !tracks.some(t => t.name === only)) throw `no track ${only}`;
  const buffers = tracks.map(t => [t, ms.addSourceBuffer(`${t.type}/mp4; codecs="${t.codec}"`)]);
  for (const [t, sb] of buffers) {
    const append = buf => new Promise((res, rej) => {
      sb.addEventListener("updateend", res, { once: true }); sb.addEventListener("error", () => rej(`append to ${t.name} failed`), { once: true });
      sb.appendBuffer(buf);
    });
    await append(await (await fetch(`/cmaf/${id}/${t.name}/init.mp4`)).arrayBuffer());
    for (let n = 1; n <= t.segments; n++) await append(await (await fetch(`/cmaf/${id}/${t.name}/${n}.m4s`)).arrayBuffer());
  }
  ms.endOfStream();
  if (v.buffered.length) v.currentTime = v.buffered.start(0);
  await v.play();
})(arguments[0], arguments[1]).catch(e => { window.vodState.error = String(e); });
