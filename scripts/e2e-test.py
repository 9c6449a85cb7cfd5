#!/usr/bin/python3
"""End to end, as a user sees it: the whole stack (3 origins, an edge, a transcoder) on
ephemeral ports; a generated file dropped into the spool; then, through the edge, every
playlist and segment of every rendition in CMAF, TS and DASH fetched and decoded with
ffmpeg against the source's frame count; the first-ranked origin stopped (a fresh edge
still serves); the edge restarted (its first segment request is a hit); and headless
Chromium playing HLS and DASH from the page past 5 seconds, with a screenshot.

  scripts/e2e-test.py [BIN_DIR]      (default .build/debug; run by scripts/test-all.sh)
Prints one line per check and "e2e: N passed, 0 failed"; exits 1 on the first failure.
"""
import hashlib, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
WORK = tempfile.mkdtemp(prefix="vod-e2e-")
OUT = os.path.join(ROOT, ".build/e2e")
TOKEN = "e2e-token"
UPLOAD_TOKEN = "e2e-upload-token"
CHECKS = Checks("e2e", WORK, tail=80)
check, start, procs, wait_healthy = CHECKS.check, CHECKS.start, CHECKS.procs, CHECKS.wait_healthy

def stop(name):
    p = procs.pop(name)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=15)

def get(url, headers={}):
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def rank(origins, video):
    """Placement.rank: SHA-256(origin NUL video), first 8 bytes big-endian, highest first."""
    score = lambda o: int.from_bytes(hashlib.sha256(o.encode() + b"\0" + video.encode()).digest()[:8], "big")
    return sorted(origins, key=lambda o: (-score(o), o))

def ffprobe_frames(url, stream="v:0"):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", stream, "-show_entries", "stream=nb_read_frames",
                          "-of", "default=nw=1:nk=1", url], capture_output=True, text=True)
    return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None

def decodes(url, maps=("0",)):
    args = ["ffmpeg", "-v", "error", "-xerror", "-i", url]
    for m in maps: args += ["-map", m]
    r = subprocess.run(args + ["-f", "null", "-"], capture_output=True, text=True)
    return r.returncode == 0 and not r.stderr.strip(), r.stderr.strip()[:300]

def fetch_hls_tree(url):
    """Every playlist, init segment and media segment under a master playlist; returns the count."""
    count, seen, queue = 0, set(), [url]
    while queue:
        u = queue.pop()
        if u in seen: continue
        seen.add(u)
        status, headers, body = get(u)
        if status != 200 or not body: check(False, f"GET {u} -> {status}")
        count += 1
        if u.endswith(".m3u8"):
            text = body.decode()
            queue += [urllib.parse.urljoin(u, l) for l in text.splitlines() if l and not l.startswith("#")]
            queue += [urllib.parse.urljoin(u, m) for m in re.findall(r'URI="([^"]+)"', text)]
    return count

def fetch_dash(url):
    _, _, body = get(url)
    mpd = body.decode()
    count = 1
    for rep in re.finditer(r'<SegmentTemplate timescale="\d+"(?: presentationTimeOffset="\d+")? initialization="([^"]+)" media="([^"]+)" startNumber="1">(.*?)</SegmentTemplate>', mpd, re.S):
        init, media, timeline = rep.groups()
        segments = sum(int((re.search(r'r="(\d+)"', attrs) or [0, 0])[1]) + 1 for attrs in re.findall(r'<S ([^>]*)/>', timeline))
        get(urllib.parse.urljoin(url, init)); count += 1
        for n in range(1, segments + 1):
            status, _, _ = get(urllib.parse.urljoin(url, media.replace("$Number$", str(n))))
            if status != 200: check(False, f"DASH segment {n} of {media}")
            count += 1
    return count

def main():
    global EDGE
    os.makedirs(OUT, exist_ok=True)
    ports = {n: free_port() for n in ["o1", "o2", "o3", "edge", "edge2", "transcoder", "transcoder2"]}
    origins = [f"http://127.0.0.1:{ports[n]}" for n in ["o1", "o2", "o3"]]
    for n in ["o1", "o2", "o3"]:
        os.makedirs(f"{WORK}/{n}", exist_ok=True)
        start(n, [f"{BIN}/vod-origin", "--config", os.path.join(ROOT, "config/origin.json"),
                  "--listen", f"127.0.0.1:{ports[n]}", "--media", f"{WORK}/{n}", "--token", TOKEN, "--segment-duration", "4"])
    static = f"{WORK}/static/videojs"
    subprocess.run([os.path.join(ROOT, "scripts/install-player.sh"), static], check=True)
    # The page reaches the transcoders through the edge (the second one takes over after a kill below).
    edge_config = {"listen": f"127.0.0.1:{ports['edge']}", "origins": origins, "cacheDir": f"{WORK}/edge-cache", "token": TOKEN,
                   "transcoders": [f"http://127.0.0.1:{ports[n]}" for n in ["transcoder", "transcoder2"]], "staticDir": f"{WORK}/static", "loops": 2}
    json.dump(edge_config, open(f"{WORK}/edge.json", "w"))
    start("edge", [f"{BIN}/vod-edge", "--config", f"{WORK}/edge.json"])
    transcoder_config = {"spool": f"{WORK}/spool", "origins": origins, "replicas": 2, "token": TOKEN, "settleSeconds": 1, "rescanSeconds": 1,
                         "leaseTimeoutSeconds": 4, "heartbeatSeconds": 0.5,
                         "listen": f"127.0.0.1:{ports['transcoder']}", "encode": {"gopSeconds": 2, "preset": "veryfast"}, "uploadTokens": [UPLOAD_TOKEN],
                         "ladder": [{"height": 360, "videoKbps": 800}, {"height": 240, "videoKbps": 400}],
                         "profiles": {"modern": {"ladder": [{"height": 240, "videoKbps": 400}, {"height": 240, "videoKbps": 300, "codec": "hevc"},
                                                            {"height": 240, "videoKbps": 250, "codec": "av1"}],
                                                 "downloads": [{"format": f, "height": 240, "videoKbps": 400} for f in DOWNLOAD_TYPES]}}}
    json.dump(transcoder_config, open(f"{WORK}/transcoder.json", "w"))
    start("transcoder", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder.json"])
    for n in ["o1", "o2", "o3", "edge", "transcoder"]: wait_healthy(ports[n])
    EDGE = f"http://127.0.0.1:{ports['edge']}"
    check(True, "stack up: 3 origins, edge, transcoder on ephemeral ports")

    # Drop a generated file the way an uploader should (written aside, renamed in).
    source = f"{WORK}/source.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=12", "-f", "lavfi", "-i",
                    "sine=frequency=440:beep_factor=4:duration=12", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", source], check=True)
    source_frames = ffprobe_frames(source)
    os.makedirs(f"{WORK}/spool/incoming", exist_ok=True)
    shutil.copy(source, f"{WORK}/spool/incoming/.clip.mp4.part")
    dropped = time.time()
    os.rename(f"{WORK}/spool/incoming/.clip.mp4.part", f"{WORK}/spool/incoming/clip.mp4")
    video = None
    for _ in range(600):
        catalog = json.loads(get(f"{EDGE}/api/catalog")[2])
        if catalog: video = catalog[0]["id"]; break
        time.sleep(0.2)
    check(video is not None, f"published and listed by the edge {time.time() - dropped:.1f} s after the drop")
    # Listed once the first origin holds it; the second may still be receiving its files.
    for _ in range(150):
        if len(catalog[0]["replicas"]) >= 2: break
        time.sleep(0.2)
        catalog = json.loads(get(f"{EDGE}/api/catalog")[2])
    check(len(catalog[0]["replicas"]) == 2, "on exactly 2 of 3 origins")
    jobs = json.loads(get(f"http://127.0.0.1:{ports['transcoder']}/api/jobs")[2])
    check(len(jobs["done"]) == 1 and not jobs["failed"], "the transcoder's /api/jobs shows the job done")

    # Through the edge: every playlist and segment, and real decoders against the source.
    n = fetch_hls_tree(f"{EDGE}/hls/{video}/master.m3u8")
    check(n > 10, f"HLS (CMAF): {n} playlists and segments fetched through the edge")
    n = fetch_hls_tree(f"{EDGE}/hls-ts/{video}/master.m3u8")
    check(n > 6, f"HLS (TS): {n} playlists and segments fetched")
    n = fetch_dash(f"{EDGE}/dash/{video}/manifest.mpd")
    check(n > 8, f"DASH: manifest, init and {n - 1} segments fetched")
    for rendition in ["video_360", "video_240"]:
        for kind, url in [("CMAF", f"{EDGE}/hls/{video}/{rendition}/index.m3u8"), ("TS", f"{EDGE}/hls-ts/{video}/{rendition}/index.m3u8")]:
            ok, err = decodes(url)
            check(ok, f"{kind} {rendition} decodes with ffmpeg -v error {err}")
            frames = ffprobe_frames(url)
            check(frames == source_frames, f"{kind} {rendition}: {frames} frames, source {source_frames}")
    ok, err = decodes(f"{EDGE}/hls/{video}/audio/index.m3u8")
    check(ok, f"CMAF audio decodes {err}")
    for i in range(2):
        frames = ffprobe_frames(f"{EDGE}/dash/{video}/manifest.mpd", f"v:{i}")
        check(frames == source_frames, f"DASH video representation {i}: {frames} frames, source {source_frames}")
    ok, err = decodes(f"{EDGE}/dash/{video}/manifest.mpd", ("0:v:0", "0:a:0"))
    check(ok, f"DASH decodes with ffmpeg -v error {err}")

    # Thumbnails through the edge: the frame at a time, at two widths (each its own cache entry), then a hit.
    reference = f"{WORK}/thumb-ref.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "4.999", "-i", source, "-frames:v", "1", "-vf", "scale=640:360", reference], check=True)
    for width, size in [(None, "640,360"), (160, "160,90")]:
        url = f"{EDGE}/thumb/{video}/5000.jpg" + (f"?w={width}" if width else "")
        status, headers, body = get(url)
        dims = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", url], capture_output=True, text=True).stdout.strip()
        check(status == 200 and headers.get("content-type") == "image/jpeg" and dims == size, f"thumbnail at 5 s, w={width}, through the edge: {dims}, {len(body)} bytes")
    psnr = subprocess.run(["ffmpeg", "-v", "error", "-i", f"{EDGE}/thumb/{video}/5000.jpg", "-i", reference, "-lavfi", "[0:v][1:v]psnr=stats_file=-", "-f", "null", "-"],
                          capture_output=True, text=True).stdout
    db = float((re.search(r"psnr_avg:([0-9.]+)", psnr) or [0, 0])[1])
    check(db > 30, f"the thumbnail is the source's frame at 5 s: PSNR {db:.1f} dB")
    _, headers, _ = get(f"{EDGE}/thumb/{video}/5000.jpg?w=160")
    check(headers.get("x-cache") == "HIT", f"a thumbnail asked again is an edge {headers.get('x-cache')}")

    # The first-ranked origin goes away: a fresh edge (empty cache) still serves everything.
    first = rank(origins, video)[0]
    stop(["o1", "o2", "o3"][origins.index(first)])
    edge2 = dict(edge_config, listen=f"127.0.0.1:{ports['edge2']}", cacheDir=f"{WORK}/edge2-cache")
    json.dump(edge2, open(f"{WORK}/edge2.json", "w"))
    start("edge2", [f"{BIN}/vod-edge", "--config", f"{WORK}/edge2.json"])
    wait_healthy(ports["edge2"])
    saved = EDGE
    EDGE = f"http://127.0.0.1:{ports['edge2']}"
    n = fetch_hls_tree(f"{EDGE}/hls/{video}/master.m3u8")
    ok, err = decodes(f"{EDGE}/hls/{video}/video_360/index.m3u8")
    check(ok and n > 10, f"first-ranked origin {first} stopped: a fresh edge serves all {n} HLS objects from the next replica")
    EDGE = saved

    # A restarted edge answers its first segment request from its disk cache.
    stop("edge")
    start("edge", [f"{BIN}/vod-edge", "--config", f"{WORK}/edge.json"])
    wait_healthy(ports["edge"])
    _, headers, _ = get(f"{EDGE}/cmaf/{video}/video_360/1.m4s")
    check(headers.get("x-cache") == "HIT", f"edge restarted: first segment request is a {headers.get('x-cache')}")

    killed_transcoder(origins, ports)
    chunked_job_with_a_killed_worker(ports)
    modern = modern_profile()
    languages = several_languages(origins)
    # Real-world fixtures as bare files on every origin, for the browser (issue 11: an edit list that
    # hides leading frames, access units with their own AUD/SPS/PPS in TS, AV1 and VP9).
    for n in ["o1", "o2", "o3"]:
        for name in BROWSER_FIXTURES:
            shutil.copy(os.path.join(ROOT, "Tests/Fixtures", f"{name}.mp4"), f"{WORK}/{n}/{name}.mp4")
    browser(video, modern, languages)
    print(f"e2e: {CHECKS.passed} passed, 0 failed")

# Download versions of the modern profile (issue 15) and the media type each is served with.
DOWNLOAD_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mkv": "video/x-matroska", "ogg": "video/ogg", "avi": "video/x-msvideo"}

def modern_profile():
    """A file dropped into incoming/modern/ is made with that profile: H.264, HEVC and AV1 rungs in one
    presentation, every variant decodable through the edge with the source's frames; a second drop of
    the same file there is a no-op, and the same file in incoming/ would be another video."""
    source = f"{WORK}/modern.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25:duration=8", "-f", "lavfi", "-i",
                    "sine=duration=8", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", source], check=True)
    digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
    job = hashlib.sha256(f"{digest}:modern".encode()).hexdigest()[:20]
    check(job != digest[:20], "the modern profile's job id covers the profile")
    os.makedirs(f"{WORK}/spool/incoming/modern", exist_ok=True)
    for name in ["modern.mp4", "again.mp4"]:
        shutil.copy(source, f"{WORK}/spool/incoming/modern/.{name}.part")
        os.rename(f"{WORK}/spool/incoming/modern/.{name}.part", f"{WORK}/spool/incoming/modern/{name}")
        deadline = time.time() + 180
        while time.time() < deadline and (not os.path.exists(f"{WORK}/spool/done/{job}.json") or os.path.exists(f"{WORK}/spool/incoming/modern/{name}")):
            time.sleep(0.3)
    check(not os.listdir(f"{WORK}/spool/incoming/modern") and os.path.exists(f"{WORK}/spool/done/{job}.json"),
          f"the modern profile's job {job} is done once for two drops of the same file")
    status, _, body = get(f"{EDGE}/hls/{job}/master.m3u8")
    master = body.decode()
    variants = [l for l in master.splitlines() if l.endswith(".m3u8")]
    check(all(f'CODECS="{c}' in master for c in ["avc1.", "hvc1.", "av01."]) and len(variants) == 3, f"one master playlist names H.264, HEVC and AV1 ({variants})")
    want = ffprobe_frames(source)
    for variant in variants:
        frames = ffprobe_frames(f"{EDGE}/hls/{job}/{variant}")
        ok, err = decodes(f"{EDGE}/hls/{job}/{variant}")
        check(ok and frames == want, f"{variant}: {frames} frames through the edge (source {want}), decodes with -xerror {err}")
    for ext, media_type in DOWNLOAD_TYPES.items():
        url = f"{EDGE}/download/{job}/download_240.{ext}"
        status, headers, _ = get(url)
        frames, (ok, err) = ffprobe_frames(url), decodes(url)
        check(status == 200 and headers.get("content-type") == media_type and headers.get("content-disposition", "").startswith("attachment")
              and ok and frames == want, f"download {ext} through the edge: {headers.get('content-type')}, {frames} frames (source {want}), decodes with -xerror {err}")
    return job

def several_languages(origins):
    """Issue 16: a file with English, French and English 5.1 audio and an English mov_text track, dropped
    with a Spanish WebVTT file beside it (and a broken German one, left out), plus a French SubRip file
    added later through the origins' ingest endpoint: through the edge the master names
    every audio (language, layout) and both subtitle languages, ffmpeg reads each subtitle playlist
    with the cues of its source, and each audio decodes with the source's language."""
    fixture = os.path.join(ROOT, "Tests/Fixtures/languages.mp4")
    job = hashlib.sha256(open(fixture, "rb").read()).hexdigest()[:20]
    shutil.copy(os.path.join(ROOT, "Tests/Fixtures/languages/es.vtt"), f"{WORK}/spool/incoming/.languages.es.vtt.part")
    os.rename(f"{WORK}/spool/incoming/.languages.es.vtt.part", f"{WORK}/spool/incoming/languages.es.vtt")
    open(f"{WORK}/spool/incoming/languages.de.srt", "w").write("1\n00:00:01,000 --> soon\nHallo\n")
    shutil.copy(fixture, f"{WORK}/spool/incoming/.languages.mp4.part")
    os.rename(f"{WORK}/spool/incoming/.languages.mp4.part", f"{WORK}/spool/incoming/languages.mp4")
    deadline = time.time() + 180
    while time.time() < deadline and not os.path.exists(f"{WORK}/spool/done/{job}.json"): time.sleep(0.3)
    holders = [o for o, n in zip(origins, ["o1", "o2", "o3"]) if os.path.exists(f"{WORK}/{n}/{job}/manifest.json")]
    check(len(holders) == 2, f"the languages video {job} is published on {len(holders)} origins")
    log = "".join(open(f"{WORK}/{n}.log").read() for n in ["transcoder", "transcoder2", "c2"] if os.path.exists(f"{WORK}/{n}.log"))
    check(not os.path.exists(f"{WORK}/spool/incoming/languages.es.vtt") and "cue file left out: de.srt, line 2" in log,
          "the cue files dropped beside it went with it; the broken one is left out with its line logged")
    srt = open(os.path.join(ROOT, "Tests/Fixtures/languages/fr.srt"), "rb").read()
    for origin in holders:
        req = urllib.request.Request(f"{origin}/ingest/{job}/subtitles/fr.srt", data=srt, method="PUT",
                                     headers={"Authorization": f"Bearer {TOKEN}", "X-Content-SHA256": hashlib.sha256(srt).hexdigest()})
        with urllib.request.urlopen(req, timeout=30) as r: check(r.status in (200, 201, 204), f"fr.srt added to {origin} through PUT /ingest/{job}/subtitles/fr.srt ({r.status})")
    bad = urllib.request.Request(f"{holders[0]}/ingest/{job}/subtitles/de.srt", data=b"1\nnot a time\nHallo\n", method="PUT",
                                 headers={"Authorization": f"Bearer {TOKEN}", "X-Content-SHA256": hashlib.sha256(b"1\nnot a time\nHallo\n").hexdigest()})
    try: urllib.request.urlopen(bad, timeout=30); status, body = 200, ""
    except urllib.error.HTTPError as e: status, body = e.code, e.read().decode()
    check(status == 422 and "line" in body, f"a malformed cue file is refused with 422 and its reason: {body.strip()[:100]}")
    master = get(f"{EDGE}/hls/{job}/master.m3u8")[2].decode()
    audio = re.findall(r'TYPE=AUDIO,.*?NAME="([^"]+)",LANGUAGE="([^"]+)".*?CHANNELS="(\d+)"', master)
    subs = re.findall(r'TYPE=SUBTITLES,.*?LANGUAGE="([^"]+)".*?URI="([^"]+)"', master)
    check([(l, c) for _, l, c in audio] == [("en", "2"), ("fr", "2"), ("en", "2"), ("en", "6")] and [l for l, _ in subs] == ["en", "es", "fr"],
          f"the master names every audio ({', '.join(n for n, _, _ in audio)}) and subtitles in English, Spanish and French ({[l for l, _ in subs]})")
    source_cues = subprocess.run(["ffmpeg", "-v", "error", "-i", fixture, "-map", "0:s:0", "-f", "webvtt", "-"], capture_output=True, text=True).stdout
    for language, uri in subs:
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", f"{EDGE}/hls/{job}/{uri}", "-f", "webvtt", "-"], capture_output=True, text=True)
        texts = [l for l in out.stdout.splitlines() if l and "-->" not in l and not l.startswith("WEBVTT") and not l.isdigit()]
        want = {"en": [l for l in source_cues.splitlines() if l and "-->" not in l and not l.startswith("WEBVTT")],
                "es": ["Hola", "Entre dos segmentos", "con dos líneas"],
                "fr": [l for l in srt.decode().splitlines() if l and "-->" not in l and not l.isdigit()]}[language]
        check(out.returncode == 0 and texts == want, f"ffmpeg reads the {language} subtitle playlist through the edge: {texts} {out.stderr[:200]}")
    dash = f"{EDGE}/dash/{job}/manifest.mpd"
    tags = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=channels:stream_tags=language", "-of", "csv=p=0", dash],
                          capture_output=True, text=True).stdout.split()
    tags = [t for t in tags if "," in t]  # ffprobe also lists each stream once more without its tags
    check(tags == ["2,en", "2,fr", "2,en", "6,en"],
          f"DASH has an audio AdaptationSet per language and layout: {tags}")
    for k, name in enumerate(["audio", "audio2", "audio3", "audio4"]):
        ok, err = decodes(f"{EDGE}/hls/{job}/{name}/index.m3u8")
        check(ok, f"{name} ({audio[k][0]}) decodes through the edge {err}")
    for path in [f"/hls/{job}/lang/fr/master.m3u8", f"/hls-ts/{job}/tracks/v1-a2-s2/master.m3u8", f"/dash/{job}/lang/fr/manifest.mpd"]:
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_tags=language", "-of", "csv=p=0", EDGE + path],
                               capture_output=True, text=True).stdout.split()
        ok, err = decodes(EDGE + path, ("0:v:0", "0:a:0"))
        check(ok and any(p.startswith("audio") for p in probe) and not any(p.startswith("audio,en") for p in probe),
              f"track selection {path} through the edge: French audio only, decodes with -xerror ({' '.join(probe)}) {err}")
    return job

def killed_transcoder(origins, ports):
    """kill -9 the transcoder mid-job: nothing partial is published; a new one takes the job over."""
    source = f"{WORK}/long.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=40", "-f", "lavfi", "-i",
                    "sine=duration=40", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", source], check=True)
    job = hashlib.sha256(open(source, "rb").read()).hexdigest()[:20]
    shutil.copy(source, f"{WORK}/spool/incoming/.long.mp4.part")
    os.rename(f"{WORK}/spool/incoming/.long.mp4.part", f"{WORK}/spool/incoming/long.mp4")
    lease = {}
    for _ in range(300):
        try: lease = json.load(open(f"{WORK}/spool/claimed/{job}/lease.json"))
        except (OSError, ValueError): pass
        if lease.get("state") == "transcoding" and (lease.get("percent") or 0) > 5: break
        time.sleep(0.1)
    check(lease.get("state") == "transcoding", f"second job transcoding ({lease.get('percent')}%)")
    procs.pop("transcoder").kill()  # SIGKILL: no clean-up of any kind
    published = [o for o in ["o1", "o2", "o3"] if os.path.exists(f"{WORK}/{o}/{job}")]
    check(not published, "killed mid-job: nothing of the job on any origin")
    start("transcoder2", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder.json", "--worker", "second",
                          "--listen", f"127.0.0.1:{ports['transcoder2']}"])
    deadline = time.time() + 180
    while time.time() < deadline and not os.path.exists(f"{WORK}/spool/done/{job}.json"): time.sleep(0.3)
    log = open(f"{WORK}/transcoder2.log").read()
    check(os.path.exists(f"{WORK}/spool/done/{job}.json") and "took over job " + job in log,
          "a second transcoder took the job over after the lease timed out and finished it")
    holders = [o for o in ["o1", "o2", "o3"] if os.path.exists(f"{WORK}/{o}/{job}/manifest.json")]
    ok, err = decodes(f"{WORK}/{holders[0]}/{job}/video_360.mp4") if holders else (False, "")
    check(len(holders) == 2 and ok, f"taken-over job complete on {len(holders)} live origins and decodable {err}")

def chunked_job_with_a_killed_worker(ports):
    """Two workers share a chunked job; the helper is killed with SIGKILL mid-chunk; the job's owner redoes
    that chunk and the joined video has every frame, keyframes on the grid, no gap at a join.
    Meanwhile the video is playable through the edge with its lowest rung, and the edge's master gains the
    other rung once it is published (it revalidates the short-lived master)."""
    stop("transcoder2")
    config = json.load(open(f"{WORK}/transcoder.json"))
    config.update({"chunkSeconds": 6, "listen": f"127.0.0.1:{ports['transcoder2']}"})
    json.dump(config, open(f"{WORK}/transcoder-chunks.json", "w"))
    start("transcoder2", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder-chunks.json", "--worker", "c1"])
    wait_healthy(ports["transcoder2"])
    source = f"{WORK}/chunked.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=36", "-f", "lavfi", "-i",
                    "sine=duration=36", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", source], check=True)
    job = hashlib.sha256(open(source, "rb").read()).hexdigest()[:20]
    shutil.copy(source, f"{WORK}/spool/incoming/.chunked.mp4.part")
    os.rename(f"{WORK}/spool/incoming/.chunked.mp4.part", f"{WORK}/spool/incoming/chunked.mp4")
    # c1 owns the job (c2 starts once c1 has claimed it), so killing c2 costs a chunk, not the
    # job's owner: the whole-job takeover is killed_transcoder's; here the owner publishes the early rung.
    owner = None
    for _ in range(300):
        try: owner = json.load(open(f"{WORK}/spool/claimed/{job}/lease.json")).get("worker")
        except (OSError, ValueError): pass
        if owner: break
        time.sleep(0.05)
    check(owner == "c1", f"worker c1 claimed the chunked job {job} ({owner})")
    config["listen"] = ""
    json.dump(config, open(f"{WORK}/transcoder-chunks2.json", "w"))
    start("c2", [f"{BIN}/vod-transcoder", "--config", f"{WORK}/transcoder-chunks2.json", "--worker", "c2"])
    chunks, killed = f"{WORK}/spool/claimed/{job}/chunks", None
    for _ in range(600):
        for name in (os.listdir(chunks) if os.path.isdir(chunks) else []):
            if name.startswith("video-") and name.endswith(".lease"):
                try: lease = json.load(open(f"{chunks}/{name}"))
                except (OSError, ValueError): continue
                if lease.get("worker") == "c2" and not os.path.exists(f"{chunks}/{name[:-6]}"): killed = name[:-6]
        if killed: break
        time.sleep(0.02)
    time.sleep(0.1)  # into the chunk
    check(killed is not None, f"worker c2 is encoding a chunk ({killed}) of job {job}")
    procs.pop("c2").kill()  # SIGKILL mid-chunk
    deadline, early = time.time() + 240, None
    while time.time() < deadline and not os.path.exists(f"{WORK}/spool/done/{job}.json"):
        # Asked once the job says it is playable (the edge would remember an earlier 404 for 10 s).
        try: playable = json.load(open(f"{WORK}/spool/claimed/{job}/lease.json")).get("playable")
        except (OSError, ValueError): playable = None
        if early is None and playable:
            status, headers, body = get(f"{EDGE}/hls/{job}/master.m3u8")
            if not os.path.exists(f"{WORK}/spool/done/{job}.json"): early = (headers, body.decode())
        time.sleep(0.2)
    if early:
        variant = [l for l in early[1].splitlines() if l.endswith(".m3u8")]
        ok, err = decodes(f"{EDGE}/hls/{job}/{variant[0]}") if len(variant) == 1 else (False, "")
        check(len(variant) == 1 and "video_240" in variant[0] and early[0].get("cache-control") == "public, max-age=2" and ok,
              f"before the job is done, the edge serves it with its lowest rung ({variant}, {early[0].get('cache-control')}), "
              f"decodable from start to end {err}")
    else: check(False, "the video was playable through the edge before the job was done")
    time.sleep(2.5)  # the master cached at the edge goes stale; the next request revalidates it
    status, headers, body = get(f"{EDGE}/hls/{job}/master.m3u8")
    variants = sorted(l for l in body.decode().splitlines() if l.endswith(".m3u8"))
    check(len(variants) == 2 and headers.get("cache-control") == "public, max-age=300",
          f"once done, the edge's master names both rungs ({variants}, {headers.get('x-cache')}, {headers.get('cache-control')})")
    record = json.load(open(f"{WORK}/spool/done/{job}.json")) if os.path.exists(f"{WORK}/spool/done/{job}.json") else {}
    tasks = {c["task"]: c["worker"] for c in record.get("chunks") or []}
    check(sorted(tasks) == ["audio"] + [f"early-{k}" for k in range(6)] + [f"video-{k}" for k in range(6)] and tasks.get(killed) == "c1",
          f"the job completed in 6 chunks (lowest rung first) and the audio; {killed}, cut off by the kill, was redone by c1 ({tasks})")
    holders = [o for o in ["o1", "o2", "o3"] if os.path.exists(f"{WORK}/{o}/{job}/manifest.json")]
    for rung in ["video_360.mp4", "video_240.mp4"]:
        path = f"{WORK}/{holders[0]}/{job}/{rung}" if holders else ""
        frames = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time,key_frame", "-of", "csv=p=0", path],
                                capture_output=True, text=True).stdout.split()
        times = [float(f.split(",")[1]) for f in frames if "," in f]
        keys = [float(f.split(",")[1]) for f in frames if f.startswith("1,")]
        steps = {round(b - a, 3) for a, b in zip(times, times[1:])}
        ok, err = decodes(path) if path else (False, "no holder")
        check(len(times) == 900 and steps == {0.04} and keys == [2.0 * k for k in range(18)] and ok,
              f"{rung} joined from chunks: {len(times)} frames of 900, steps between frames {sorted(steps)} s, "
              f"{len(keys)} keyframes every 2 s, decodes with -xerror {err}")

# Fixture (Tests/Fixtures/<name>.mp4) and the forms Chromium must play it in from the page: "hls" and
# "ts" natively, "dash" through video.js, "mse" through scripts/mse-play.js (Chromium's MediaSource fed
# the CMAF segments; video.js 7.5 has no AV1, VP9 or Opus).
BROWSER_FIXTURES = {"edit_hides_frames": ["hls", "ts", "dash", "mse"], "h264_inband_aud": ["ts", "hls"],
                    "av1": ["hls", "mse"], "vp9": ["hls", "mse"]}
MSE_PLAYER = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mse-play.js")).read()

def play(driver, video, kind, past, track=None):
    """Starts `video` as `kind` on the page (MSE: only the video `track` if named); waits until it plays past `past` seconds or fails."""
    if kind == "mse":
        driver.execute_script(MSE_PLAYER, video, track)
    else:
        driver.execute_script(f"play('{video}', '{kind}')")
    t, state = 0, {}
    deadline = time.time() + 40
    while time.time() < deadline:
        t = driver.execute_script("return window.currentTime()") or 0
        state = driver.execute_script("return window.vodState") or {}
        if t > past or state.get("error"): break
        time.sleep(0.25)
    return t, state

def play_file(driver, url, past):
    """Plays a whole file in a plain <video> element; (currentTime, media error code)."""
    driver.execute_script("""const v = document.createElement('video'); v.id = 'file-player'; v.muted = true; v.autoplay = true;
        document.getElementById('file-player')?.remove(); document.body.appendChild(v); v.src = arguments[0];""", url)
    t, error = 0, None
    deadline = time.time() + 30
    while time.time() < deadline:
        t, error = driver.execute_script("const v = document.getElementById('file-player'); return [v.currentTime, v.error && v.error.code]")
        if t > past or error: break
        time.sleep(0.25)
    driver.execute_script("document.getElementById('file-player').remove()")
    return t, error

def subtitles_and_audio_in_the_page(driver, video):
    """The page's player (video.js, whose menus offer them) shows an English cue on screen at its time
    in HLS and DASH, then switches to French audio and keeps playing."""
    for kind in ["hls", "dash"]:
        driver.execute_script("play(arguments[0], arguments[1])", video, kind)
        shown, tracks, deadline = None, {}, time.time() + 30
        while time.time() < deadline and not shown:
            tracks = driver.execute_script("window.showSubtitles('en'); return window.playerTracks()") or {}
            shown = next((t["active"] for t in tracks.get("text", []) if t["language"] == "en" and t["active"]), None)
            time.sleep(0.1)
        t = driver.execute_script("return window.currentTime()") or 0
        check(shown == ["Hello"] and 0.4 <= t <= 1.9 + 0.3, f"Chromium ({kind.upper()}, video.js) shows the English cue {shown} at {t:.2f} s "
              f"(source: 0.4–1.9 s); subtitle menu offers {[x['label'] for x in tracks.get('text', [])]}")
        driver.save_screenshot(f"{OUT}/page-subtitles-{kind}.png")
        check(driver.execute_script("return window.chooseAudio('fr')"), f"the {kind.upper()} player offers French audio: {[x['label'] for x in tracks.get('audio', [])]}")
        switched_at = driver.execute_script("return window.currentTime()") or 0
        deadline = time.time() + 20
        while time.time() < deadline and (driver.execute_script("return window.currentTime()") or 0) < switched_at + 1.5: time.sleep(0.2)
        t = driver.execute_script("return window.currentTime()") or 0
        enabled = [x["language"] for x in (driver.execute_script("return window.playerTracks()") or {}).get("audio", []) if x["enabled"]]
        fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/audio2/'))")
        error = (driver.execute_script("return window.vodState") or {}).get("error")
        check(enabled == ["fr"] and fetched and t > switched_at + 1.5 and not error,
              f"switched to French audio ({kind.upper()}): {enabled} enabled, {len(fetched)} requests for audio2, playing on to {t:.1f} s, error {error}")
        driver.execute_script("performance.clearResourceTimings()")
    print(f"e2e: subtitle screenshots in {OUT}/page-subtitles-hls.png and page-subtitles-dash.png")

def scrub_preview(driver, video):
    """Hovering the bar under the player shows the sprite tile of that time (from /thumb/<video>/sprites.vtt)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    play(driver, video, "hls", past=1)
    deadline, tile = time.time() + 10, None
    bar = driver.find_element(By.ID, "scrub")
    while time.time() < deadline and not tile:
        ActionChains(driver).move_to_element_with_offset(bar, 0, 0).perform()  # the middle: 6 s of 12
        tile = driver.execute_script("const p = document.getElementById('scrub-preview'); return p.style.display === 'block' ? [p.dataset.time, p.dataset.tile] : null")
        time.sleep(0.2)
    status = get(EDGE + tile[1].split("#")[0])[0] if tile else None
    check(tile and abs(float(tile[0]) - 6) < 0.2 and tile[1].endswith("sprite-1.jpg#xywh=960,0,160,90") and status == 200,
          f"hovering the middle of the scrub bar previews tile {tile} (sheet {status})")
    driver.save_screenshot(f"{OUT}/page-scrub.png")

def browser(video, modern, languages):
    """Headless Chromium on the page: HLS and DASH play past 5 s with no media error."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        check(False, "python3-selenium is installed (scripts/install-deps.sh --e2e)")
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
              "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(EDGE + "/")
        for _ in range(100):
            if video in driver.page_source: break
            time.sleep(0.1)
        check(video in driver.page_source, "the page lists the video")
        driver.execute_script("performance.setResourceTimingBufferSize(100000)")
        for kind in ["hls", "dash"]:
            t, state = play(driver, video, kind, past=5)
            check(t > 5 and not state.get("error"), f"Chromium plays {kind.upper()} from the page: currentTime {t:.1f} s, error {state.get('error')}")
            driver.save_screenshot(f"{OUT}/page-{kind}.png")
        # Chromium asks with Accept-Encoding: the MPD it played came gzip-coded through the edge and
        # it decoded it (Resource Timing: fewer bytes on the wire than in the body).
        coded = driver.execute_script("return performance.getEntriesByType('resource').filter(e => e.name.endsWith('.mpd')"
                                      " && e.encodedBodySize > 0 && e.encodedBodySize < e.decodedBodySize).map(e => [e.encodedBodySize, e.decodedBodySize])")
        check(bool(coded), f"Chromium got the MPD gzip-coded and decoded it: {coded[:1]} bytes (coded, decoded)")
        print(f"e2e: screenshots in {OUT}/page-hls.png and page-dash.png")
        subtitles_and_audio_in_the_page(driver, languages)
        scrub_preview(driver, video)
        for name, kinds in BROWSER_FIXTURES.items():
            for kind in kinds:
                t, state = play(driver, name, kind, past=3)
                check(t > 3 and not state.get("error"), f"Chromium plays fixture {name} as {kind.upper()} past 3 s: currentTime {t:.1f} s, error {state.get('error')}")
        t, state = play(driver, modern, "mse", past=3, track="video_av1_240")
        check(t > 3 and not state.get("error"), f"Chromium plays our own AV1 rung of the modern profile through MSE past 3 s: currentTime {t:.1f} s, error {state.get('error')}")
        links = driver.execute_script("return [...document.querySelectorAll('a.download')].map(a => a.getAttribute('href'))")
        check(all(f"/download/{modern}/download_240.{ext}" in links for ext in DOWNLOAD_TYPES), f"the page links the modern video's download versions ({len(links)} links)")
        t, error = play_file(driver, f"/mp4/{video}/clip/2000-9000.mp4", past=3)
        check(t > 3 and not error, f"Chromium plays a 7-second clip as one MP4 (/mp4/<video>/clip/2000-9000.mp4) past 3 s: currentTime {t:.1f} s, error {error}")
        for ext in ["webm", "mp4"]:
            t, error = play_file(driver, f"/download/{modern}/download_240.{ext}", past=3)
            check(t > 3 and not error, f"Chromium plays the {ext.upper()} download version in a <video> past 3 s: currentTime {t:.1f} s, error {error}")
        upload_from_page(driver)
    finally:
        driver.quit()

def upload_from_page(driver):
    """A 20 MB file uploaded through the page (our tus client, via the edge) is followed live to playable."""
    from selenium.webdriver.common.by import By
    path = f"{WORK}/beach walk.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=12,noise=alls=30:allf=t", "-f", "lavfi",
                    "-i", "sine=frequency=550:duration=12", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "13M", "-maxrate", "13M", "-bufsize", "4M",
                    "-c:a", "aac", path], check=True)
    size = os.path.getsize(path)
    driver.execute_script("const t = document.getElementById('token'); t.value = arguments[0]; t.onchange();", UPLOAD_TOKEN)
    driver.find_element(By.ID, "file").send_keys(path)
    seen, state = set(), {}
    deadline = time.time() + 240
    while time.time() < deadline:
        state = driver.execute_script("return window.uploadState('beach walk.mp4')") or {}
        seen.add(state.get("state"))
        if state.get("state") in ("done", "failed") or (state.get("error") and state.get("state") == "failed"): break
        time.sleep(0.2)
    shown = state.get("shown") or []
    check(any(0 < p < 100 for p in shown) and shown == sorted(shown), f"the page's progress bar went up while the bytes were sent: {shown} %")
    check(state.get("state") == "done" and state.get("video"),
          f"the page uploaded {size / 1e6:.1f} MB and followed it live to done (states seen: {', '.join(sorted(s for s in seen if s))}) {state.get('error') or ''}")
    driver.save_screenshot(f"{OUT}/page-upload.png")
    t, playing = play(driver, state["video"], "hls", past=3)
    check(t > 3 and not playing.get("error"), f"the uploaded video plays from the page: currentTime {t:.1f} s, error {playing.get('error')}")

if __name__ == "__main__":
    try:
        main()
    finally:
        for name in list(procs):
            try: stop(name)
            except Exception: procs.get(name) and procs[name].kill()
        shutil.rmtree(WORK, ignore_errors=True)
