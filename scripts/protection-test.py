#!/usr/bin/python3
"""Content protection end to end, on the real daemons: an origin and an edge sharing a keys
file (`--signing-keys`), the origin deriving content keys from a secret (`--key-secret`),
over four videos: `clear` (public), `cenc` and `cbcs` (`"access": "signed"`, CENC) and `aes`
(public, AES-128). Signed paths come from `vod sign`. Checks: every token case on edge and
origin, refusals that never reach the origin, ffmpeg playing the AES-128 HLS (CMAF and TS)
with the key it fetches, and headless Chromium playing the cenc and cbcs CMAF with W3C
ClearKey (EME, licence from /clearkey/) past 3 seconds.

  scripts/protection-test.py [BIN_DIR]      (default .build/debug; run by scripts/test-all.sh)
Prints one line per check and "protection: N passed, 0 failed"; exits 1 on the first failure.
"""
import json, os, re, subprocess, sys, tempfile, time, urllib.error, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
WORK = tempfile.mkdtemp(prefix="vod-protection-")
OUT = os.path.join(ROOT, ".build/e2e")
CHECKS = Checks("protection", WORK, tail=60)
check, start, wait_healthy = CHECKS.check, CHECKS.start, CHECKS.wait_healthy
FRAMES = 300  # 12 s at 25 fps


def get(url, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def sign(path, *options):
    out = subprocess.run([f"{BIN}/vod", "sign", "--keys", f"{WORK}/keys.json", *options, path], capture_output=True, text=True)
    check(out.returncode == 0 and out.stdout.startswith("/t/"), f"vod sign {' '.join(options)} {path} prints a signed path {out.stderr.strip()}")
    return out.stdout.strip()


def metric(base, name, labels):
    text = get(base + "/metrics")[2].decode()
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def frames(url):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                          "-of", "default=nw=1:nk=1", url], capture_output=True, text=True)
    return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else out.stderr.strip()[:200]


def make_media(media):
    source = f"{WORK}/source.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=12", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=12", "-c:v", "libx264", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-b:v", "300k",
                    "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", source], check=True)
    os.makedirs(media, exist_ok=True)
    subprocess.run(["cp", source, f"{media}/clear.mp4"], check=True)
    for video, extra in [("cenc", {"access": "signed", "encryption": "cenc"}), ("cbcs", {"access": "signed", "encryption": "cbcs"}),
                         ("aes", {"encryption": "aes-128"})]:
        d = f"{media}/{video}"
        os.makedirs(d, exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", source, "-map", "0:v", "-c", "copy", f"{d}/video.mp4"], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", source, "-map", "0:a", "-c", "copy", f"{d}/audio.mp4"], check=True)
        manifest = {"video": video, "renditions": [{"file": "video.mp4", "type": "video"}, {"file": "audio.mp4", "type": "audio"}], **extra}
        json.dump(manifest, open(f"{d}/manifest.json", "w"))


def main():
    os.makedirs(OUT, exist_ok=True)
    make_media(f"{WORK}/media")
    json.dump({"keys": [{"id": "k1", "secret": "1f" * 32}, {"id": "k2", "secret": "2e" * 32}], "requireSignature": False},
              open(f"{WORK}/keys.json", "w"))
    ports = {"origin": free_port(), "edge": free_port()}
    start("origin", [f"{BIN}/vod-origin", "--config", os.path.join(ROOT, "config/origin.json"), "--listen", f"127.0.0.1:{ports['origin']}",
                     "--media", f"{WORK}/media", "--segment-duration", "2", "--signing-keys", f"{WORK}/keys.json", "--key-secret", "5c" * 16])
    json.dump({"listen": f"127.0.0.1:{ports['edge']}", "origins": [f"http://127.0.0.1:{ports['origin']}"], "cacheDir": f"{WORK}/edge-cache",
               "transcoders": [], "signingKeysFile": f"{WORK}/keys.json", "loops": 2}, open(f"{WORK}/edge.json", "w"))
    start("edge", [f"{BIN}/vod-edge", "--config", f"{WORK}/edge.json"])
    for p in ports.values(): wait_healthy(p)
    edge, origin = f"http://127.0.0.1:{ports['edge']}", f"http://127.0.0.1:{ports['origin']}"
    check(True, "origin and edge up with signing keys; the origin derives content keys from a secret")

    master = "/hls/cenc/master.m3u8"
    cases = [("valid", sign(master, "--expires-in", "300"), 200), ("rotated key k2", sign(master, "--key", "k2", "--expires-in", "300"), 200),
             ("bound to this address", sign(master, "--expires-in", "300", "--ip", "127.0.0.1"), 200),
             ("expired", sign(master, "--expires-in", "-10"), 403), ("bound to another address", sign(master, "--expires-in", "300", "--ip", "198.51.100.9"), 403),
             ("for another video", sign("/hls/cbcs/master.m3u8", "--expires-in", "300").replace("/hls/cbcs/", "/hls/cenc/"), 403),
             ("without a token", master, 403), ("malformed", "/t/garbage" + master, 400)]
    for name, path, status in cases:
        refused_before = metric(origin, "vod_http_requests_total", {"route": "hls", "status": "403"}) + metric(origin, "vod_http_requests_total", {"route": "hls", "status": "400"})
        got = get(edge + path)
        after = metric(origin, "vod_http_requests_total", {"route": "hls", "status": "403"}) + metric(origin, "vod_http_requests_total", {"route": "hls", "status": "400"})
        check(got[0] == status and (status == 200 or after == refused_before),
              f"edge: {name} -> {got[0]} {got[2][:60].decode(errors='replace').strip()!r}" + ("" if status == 200 else " (the origin never asked)"))
        check(get(origin + path)[0] == status, f"origin: {name} -> {status}")
    check(metric(edge, "vod_edge_requests_total", {"cache": "refused"}) >= 5, "the edge counts its refusals (vod_edge_requests_total{cache=\"refused\"})")

    # AES-128 HLS, public video: ffmpeg plays it with the key, which only a signed URL gets.
    for kind in ["hls", "hls-ts"]:
        url = edge + sign(f"/{kind}/aes/master.m3u8", "--expires-in", "300")
        n = frames(url)
        check(n == str(FRAMES), f"ffmpeg plays the AES-128 {kind.upper()} through the edge, fetching the key: {n} frames of {FRAMES}")
    media = get(edge + "/hls/aes/video/index.m3u8")[2].decode()
    key_uri = re.search(r'#EXT-X-KEY:METHOD=AES-128,URI="\.\./\.\./\.\./([^"]+)",IV=0x[0-9a-f]{32}', media)
    check(key_uri is not None and get(edge + "/" + key_uri[1])[0] == 403, "the AES-128 key is refused without a token")
    check(subprocess.run(["ffmpeg", "-v", "error", "-i", edge + "/hls/aes/master.m3u8", "-f", "null", "-"], capture_output=True).returncode != 0,
          "ffmpeg cannot play the AES-128 HLS without a signed URL")
    check(get(edge + "/mp4/aes/video.mp4")[0] == 403 and get(edge + "/dash/aes/manifest.mpd")[0] == 403,
          "an encrypted video's whole file and an AES-128 video's DASH are refused")

    browser(edge)
    print(f"protection: {CHECKS.passed} passed, 0 failed")


def browser(edge):
    """Chromium plays the cenc and cbcs CMAF with ClearKey through signed URLs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    player = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "eme-play.js")).read()
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
              "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(edge + "/")
        for video in ["cenc", "cbcs"]:
            prefix = sign(f"/dash/{video}/manifest.mpd", "--expires-in", "300").split("/dash/")[0]
            driver.execute_script(player, prefix, video)
            t, state, deadline = 0, {}, time.time() + 40
            while time.time() < deadline:
                t = driver.execute_script("return window.currentTime ? window.currentTime() : 0") or 0
                state = driver.execute_script("return window.vodState") or {}
                if (t > 3 and state.get("licences", 0) >= 1) or state.get("error"): break
                time.sleep(0.25)
            check(t > 3 and not state.get("error") and state.get("licences", 0) >= 1,
                  f"Chromium plays the {video} CMAF with ClearKey (EME, licence from /clearkey/) past 3 s: currentTime {t:.1f} s, "
                  f"licences {state.get('licences')}, error {state.get('error')}")
            driver.save_screenshot(f"{OUT}/protection-{video}.png")
        # Without a token the licence is refused and nothing plays.
        driver.execute_script(player, "", "cenc")
        time.sleep(3)
        state = driver.execute_script("return window.vodState") or {}
        check(state.get("error") is not None and (driver.execute_script("return window.currentTime()") or 0) < 0.5,
              f"without a signed URL Chromium cannot play the cenc video: {state.get('error')}")
    finally:
        driver.quit()


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in CHECKS.procs.values(): p.terminate()
