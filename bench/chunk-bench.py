#!/usr/bin/env python3
"""Chunked against whole-file encoding of one source with the default 4-rung ladder:
`vod-transcoder transcode SRC OUT --chunk-seconds 0` (one pipeline), `--chunk-seconds N
--early-rungs 0` (the chunks one after the other, as one worker would do them, then joined by
sample tables) and `--chunk-seconds N --early-rungs 1` (each chunk twice: the lowest rung
first, then the others, as a job published early is done). Prints wall and CPU (user+sys) of
each and their ratio to the whole-file encode (the overhead: extra decoding from each chunk's
seek point and, with the early pass, a second decode of every chunk), then per rung: frames,
keyframes equal, bytes and PSNR against the source scaled to the rung (ffmpeg's psnr filter).
  bench/chunk-bench.py [SECONDS] [CHUNK_SECONDS] [KIND]
  (default 60 s of 1080p30, 30 s chunks; KIND "crf18": noisy, about 135 Mb/s, the default;
  "8mbps": 8 Mb/s, as first-play-bench.py uses)
"""
import os, re, resource, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/out/chunks")
seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
chunk = sys.argv[2] if len(sys.argv) > 2 else "30"
kind = sys.argv[3] if len(sys.argv) > 3 else "crf18"
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s.mp4" if kind == "crf18" else f"bench/out/src-1080p-{seconds}s-8mbps.mp4")
GENERATE = {"crf18": ["-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "60", "-b:a", "192k"],
            "8mbps": ["-vf", "noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "superfast", "-b:v", "8M", "-maxrate", "10M",
                      "-bufsize", "16M", "-g", "60", "-b:a", "128k"]}
RUNGS = [(1920, 1080), (1280, 720), (854, 480), (640, 360)]

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.time() - t, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def frames(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time,key_frame", "-of", "csv=p=0", path],
                         capture_output=True, text=True).stdout.split()
    return [f.split(",")[1] for f in out if "," in f], [f.split(",")[1] for f in out if f.startswith("1,")]

def psnr(path, w, h):
    err = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-i", SRC, "-lavfi", f"[1:v]scale={w}:{h}:flags=bicubic[ref];[0:v][ref]psnr", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    m = re.search(r"average:([0-9.]+)", err)
    return float(m.group(1)) if m else 0.0

def main():
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(SRC):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:a", "aac"] + GENERATE[kind] + [SRC],
                       check=True)
    binary = os.path.join(ROOT, ".build/release/vod-transcoder")
    config = os.path.join(ROOT, "config/transcoder.json")
    runs = {}
    variants = (("whole", ["--chunk-seconds", "0"]), ("chunked", ["--chunk-seconds", chunk, "--early-rungs", "0"]),
                ("early", ["--chunk-seconds", chunk, "--early-rungs", "1"]))
    for name, flags in variants:
        d = os.path.join(OUT, name)
        subprocess.run(["rm", "-rf", d])
        runs[name] = timed([binary, "transcode", SRC, d, "--config", config] + flags)
        print(f"{name:8s} wall {runs[name][0]:7.2f} s  cpu {runs[name][1]:7.2f} s", flush=True)
    ww, wc = runs["whole"]
    print(f"\n{seconds} s 1080p30 ({kind}), 4 rungs + AAC, {chunk} s chunks:")
    for name in ("chunked", "early"):
        print(f"  {name}/whole wall {runs[name][0] / ww:.3f}, CPU {runs[name][1] / wc:.3f}")
    for name in ("chunked", "early"):
        for w, h in RUNGS:
            a, b = os.path.join(OUT, "whole", f"video_{h}.mp4"), os.path.join(OUT, name, f"video_{h}.mp4")
            (ta, ka), (tb, kb) = frames(a), frames(b)
            pa, pb = psnr(a, w, h), psnr(b, w, h)
            print(f"  {name:7s} {h:4d}p frames {len(ta)} / {len(tb)} (same times: {ta == tb}), keyframes {len(ka)} / {len(kb)} (same: {ka == kb}), "
                  f"bytes {os.path.getsize(a)} / {os.path.getsize(b)}, PSNR {pa:.2f} / {pb:.2f} dB ({pb - pa:+.2f})", flush=True)

if __name__ == "__main__":
    main()
