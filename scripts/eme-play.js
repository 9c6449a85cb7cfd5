// The protection test's EME player (run in Chromium by scripts/protection-test.py): plays a
// protected video's CMAF (cenc or cbcs) through a signed URL prefix (/t/<token>) with W3C
// ClearKey: the "encrypted" event's init data (our pssh) makes a licence request that is
// POSTed to /clearkey/<video>, whose JSON Web Key set unlocks the segments appended to MSE.
(async (prefix, id) => {
  // Before any await: the previous video's element and clock must not be read as this one's.
  window.vodState = { error: null, playing: "eme:" + id, licences: 0 };
  const old = document.getElementById("mse"); if (old) { old.pause(); old.remove(); }
  const v = document.createElement("video"); v.id = "mse"; v.muted = true; document.body.appendChild(v);
  window.currentTime = () => v.currentTime;
  const info = await (await fetch(`/api/videos/${id}`)).json();
  v.addEventListener("error", () => { window.vodState.error = "media error " + (v.error && v.error.code) + " " + (v.error && v.error.message); });
  const type = t => `${t.type}/mp4; codecs="${t.codec}"`;
  const access = await navigator.requestMediaKeySystemAccess("org.w3.clearkey", [{
    initDataTypes: ["cenc"],
    videoCapabilities: info.tracks.filter(t => t.type === "video").map(t => ({ contentType: type(t) })),
    audioCapabilities: info.tracks.filter(t => t.type === "audio").map(t => ({ contentType: type(t) })),
  }]);
  const keys = await access.createMediaKeys();
  await v.setMediaKeys(keys);
  let asked = false;
  v.addEventListener("encrypted", async e => {
    if (asked) return;  // one key for the whole video
    asked = true;
    const session = keys.createSession();
    session.addEventListener("message", async m => {
      try {
        const licence = await fetch(`${prefix}/clearkey/${id}`, { method: "POST", body: m.message });
        if (!licence.ok) throw `licence ${licence.status}`;
        await session.update(await licence.arrayBuffer());
        window.vodState.licences += 1;
      } catch (err) { window.vodState.error = "licence: " + err; }
    });
    await session.generateRequest(e.initDataType, e.initData);
  });
  const ms = new MediaSource(); v.src = URL.createObjectURL(ms);
  await new Promise(r => ms.addEventListener("sourceopen", r, { once: true }));
  const buffers = info.tracks.map(t => [t, ms.addSourceBuffer(type(t))]);
  for (const [t, sb] of buffers) {
    const append = buf => new Promise((res, rej) => {
      sb.addEventListener("updateend", res, { once: true }); sb.addEventListener("error", () => rej(`append to ${t.name} failed`), { once: true });
      sb.appendBuffer(buf);
    });
    const get = async path => { const r = await fetch(prefix + path); if (!r.ok) throw `${path}: ${r.status}`; return r.arrayBuffer(); };
    await append(await get(`/cmaf/${id}/${t.name}/init.mp4`));
    for (let n = 1; n <= t.segments; n++) await append(await get(`/cmaf/${id}/${t.name}/${n}.m4s`));
  }
  ms.endOfStream();
  if (v.buffered.length) v.currentTime = v.buffered.start(0);
  await v.play();
})(arguments[0], arguments[1]).catch(e => { window.vodState.error = String(e); });
