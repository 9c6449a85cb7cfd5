#!/usr/bin/env python3
"""Chunked against whole-file encoding of one source with the default 4-rung ladder:
`vod-transcoder transcode SRC OUT --chunk-seconds 0` (one pipeline) and `--chunk-seconds N`
(the chunks one after the other, as one worker would do them, then joined by sample tables).
Prints wall and CPU (user+sys) of each and their ratio (the chunking overhead: extra decoding
from each chunk's seek point, cold rate control), then per rung: frames, keyframes equal,
bytes and PSNR against the source scaled to the rung (ffmpeg's psnr filter).
  bench/chunk-bench.py [SECONDS] [CHUNK_SECONDS]   (default 60 s of 1080p30, 30 s chunks)
"""
import os, re, resource, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/out/chunks")
seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
chunk = sys.argv[2] if len(sys.argv) > 2 else "30"
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s.mp4")
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
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-vf", "noise=alls=12:allf=t",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "60", "-c:a", "aac", "-b:a", "192k", SRC], check=True)
    binary = os.path.join(ROOT, ".build/release/vod-transcoder")
    config = os.path.join(ROOT, "config/transcoder.json")
    runs = {}
    for name, value in (("whole", "0"), ("chunked", chunk)):
        d = os.path.join(OUT, name)
        subprocess.run(["rm", "-rf", d])
        runs[name] = timed([binary, "transcode", SRC, d, "--config", config, "--chunk-seconds", value])
        print(f"{name:8s} wall {runs[name][0]:7.2f} s  cpu {runs[name][1]:7.2f} s", flush=True)
    (ww, wc), (cw, cc) = runs["whole"], runs["chunked"]
    print(f"\n{seconds} s 1080p30, 4 rungs + AAC, {chunk} s chunks: chunked/whole wall {cw / ww:.3f}, CPU {cc / wc:.3f}")
    for w, h in RUNGS:
        a, b = os.path.join(OUT, "whole", f"video_{h}.mp4"), os.path.join(OUT, "chunked", f"video_{h}.mp4")
        (ta, ka), (tb, kb) = frames(a), frames(b)
        pa, pb = psnr(a, w, h), psnr(b, w, h)
        print(f"  {h:4d}p frames {len(ta)} / {len(tb)} (same times: {ta == tb}), keyframes {len(ka)} / {len(kb)} (same: {ka == kb}), "
              f"bytes {os.path.getsize(a)} / {os.path.getsize(b)}, PSNR {pa:.2f} / {pb:.2f} dB ({pb - pa:+.2f})", flush=True)

if __name__ == "__main__":
    main()
