#!/usr/bin/env python3
"""The measuring half of bench/playback-bench.sh (which builds and makes the media)."""
import os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
SOURCE = os.path.join(ROOT, "bench/out/720p-60min.mp4")
PORT = 18291
BASE = f"http://127.0.0.1:{PORT}"

def fetch(path):
    started = time.perf_counter()
    with urllib.request.urlopen(BASE + path, timeout=60) as r:
        body = r.read()
        assert r.status == 200, path
    return (time.perf_counter() - started) * 1000, body

def wrk(path, seconds=4):
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", BASE + path], capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))

media = tempfile.mkdtemp(prefix="vod-playback-bench-")
os.link(SOURCE, os.path.join(media, "hour.mp4"))
origin = subprocess.Popen([os.path.join(ROOT, ".build/release/vod-origin"), "--media", media, "--listen", f"127.0.0.1:{PORT}",
                           "--loops", "1", "--workers", "4", "--no-access-log"], stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        try: fetch("/healthz"); break
        except OSError: time.sleep(0.05)
    fetch("/hls/hour/video/index.m3u8")  # the video laid out once, as on a serving origin

    # Thumbnails: times spread over the hour, none on a keyframe (2 s GOP), each asked twice.
    times = [123_457 + k * 239_999 for k in range(15)]
    first, cached, cli = [], [], []
    for t in times:
        f, body = fetch(f"/thumb/hour/{t}.jpg?w=320")
        c, again = fetch(f"/thumb/hour/{t}.jpg?w=320")
        assert body == again and body[:2] == b"\xff\xd8"
        first.append(f); cached.append(c)
        started = time.perf_counter()
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{t / 1000:.3f}", "-i", SOURCE, "-frames:v", "1", "-vf", "scale=320:-2",
                        "-f", "mjpeg", os.devnull], check=True)
        cli.append((time.perf_counter() - started) * 1000)
    med = statistics.median
    print(f"thumbnail, 15 times over 60 min, w=320: first {med(first):.1f} ms (min {min(first):.1f}, max {max(first):.1f}), "
          f"again {med(cached):.2f} ms; ffmpeg -ss T -frames:v 1: {med(cli):.1f} ms; first/ffmpeg {med(first) / med(cli):.2f}")
    _, vtt = fetch("/thumb/hour/sprites.vtt")
    sheets = sorted(set(re.findall(rb"(sprite-\d+\.jpg)", vtt)))
    s, _ = fetch(f"/thumb/hour/{sheets[0].decode()}")
    print(f"sprites: {vtt.count(b'-->')} tiles on {len(sheets)} sheet(s); first sheet made in {s:.0f} ms")

    # A clip's media playlist (10 minutes from 20:00) against the whole hour's, and new clips' first requests.
    clip = "/hls/hour/clip/1200000-1800000/video/index.m3u8"
    whole = "/hls/hour/video/index.m3u8"
    fresh = [fetch(f"/hls/hour/clip/{600_000 + k * 1000}-{1_200_000 + k * 1000}/master.m3u8")[0] for k in range(10)]
    fetch(clip); wrk(clip, 1); wrk(whole, 1)
    ratios, rates = [], []
    for _ in range(ROUNDS):
        a, b = wrk(clip), wrk(whole)
        rates.append((a, b)); ratios.append(a / b)
    print(f"first request of a new 10-minute clip (master): median {med(fresh):.1f} ms (min {min(fresh):.1f})")
    print("clip media playlist vs whole media playlist, req/s per round: " + ", ".join(f"{a:.0f}/{b:.0f}" for a, b in rates))
    print(f"median ratio clip/whole: {med(ratios):.2f} ({ROUNDS} rounds, wrk -t1 -c16 -d4s, --loops 1)")
finally:
    origin.terminate(); origin.wait()
    shutil.rmtree(media, ignore_errors=True)
