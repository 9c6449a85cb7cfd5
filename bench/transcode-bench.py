#!/usr/bin/env python3
"""The same 4-rung ladder from the same 1080p source, three ways, back to back, several rounds:
  vod      vod-transcoder transcode (decode once, scale per rung, x264 per rung, AAC once)
  ffmpeg1  one ffmpeg process: split + scale filters (decode once), 4 x264 outputs + AAC
  ffmpeg4  four ffmpeg processes, one per rung (the first also makes the audio)
Same preset (veryfast), bitrates, maxrate 1.5x, bufsize 2x, keyframes every 2 s, closed GOP,
no scene cuts, threads auto. Prints wall and CPU (user+sys of the children) per run, medians,
and our ratios to the single ffmpeg process.
  bench/transcode-bench.py [ROUNDS] [SECONDS]     (run by bench/transcode-bench.sh)
"""
import os, resource, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/out/transcode")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s.mp4")
RUNGS = [(1920, 1080, 5000), (1280, 720, 2800), (854, 480, 1200), (640, 360, 700)]

def x264(kbps):
    return ["-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{kbps}k", "-maxrate", f"{kbps * 3 // 2}k", "-bufsize", f"{kbps * 2}k",
            "-g", "120", "-keyint_min", "60", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*2)", "-flags", "+cgop",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart"]

AUDIO = ["-map", "0:a", "-vn", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000", "-movflags", "+faststart"]

def ffmpeg1(d):
    graph = f"[0:v]split={len(RUNGS)}" + "".join(f"[s{i}]" for i in range(len(RUNGS))) + ";" + \
            ";".join(f"[s{i}]scale={w}:{h}[o{i}]" for i, (w, h, _) in enumerate(RUNGS))
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", SRC, "-filter_complex", graph]
    for i, (w, h, k) in enumerate(RUNGS):
        cmd += ["-map", f"[o{i}]", "-an"] + x264(k) + [f"{d}/video_{h}.mp4"]
    return [cmd + AUDIO + [f"{d}/audio.mp4"]]

def ffmpeg4(d):
    cmds = []
    for i, (w, h, k) in enumerate(RUNGS):
        cmd = ["ffmpeg", "-v", "error", "-y", "-i", SRC, "-map", "0:v", "-vf", f"scale={w}:{h}", "-an"] + x264(k) + [f"{d}/video_{h}.mp4"]
        if i == 0: cmd += AUDIO + [f"{d}/audio.mp4"]
        cmds.append(cmd)
    return cmds

def vod(d):
    return [[os.path.join(ROOT, ".build/release/vod-transcoder"), "transcode", SRC, d, "--config", os.path.join(ROOT, "config/transcoder.json")]]

def timed(cmds):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    for c in cmds: subprocess.run(c, check=True, stderr=subprocess.DEVNULL)
    wall = time.time() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def main():
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(SRC):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-vf", "noise=alls=12:allf=t",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "60", "-c:a", "aac", "-b:a", "192k", SRC], check=True)
    ways = {"vod": vod, "ffmpeg1": ffmpeg1, "ffmpeg4": ffmpeg4}
    results = {k: [] for k in ways}
    for r in range(rounds):
        for name, make in ways.items():
            d = os.path.join(OUT, name); os.makedirs(d, exist_ok=True)
            wall, cpu = timed(make(d))
            results[name].append((wall, cpu))
            print(f"round {r + 1} {name:8s} wall {wall:6.2f} s  cpu {cpu:6.2f} s", flush=True)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    base = med["ffmpeg1"]
    print(f"\n{seconds} s 1080p30 source, 4 rungs + AAC, {rounds} rounds, medians:")
    for k, (w, c) in med.items():
        print(f"  {k:8s} wall {w:6.2f} s ({w / base[0]:.2f} of ffmpeg1)  cpu {c:6.2f} s ({c / base[1]:.2f} of ffmpeg1)  speed {seconds / w:.2f}x real time")
    for h in (1080, 360):
        a, b = os.path.join(OUT, "vod", f"video_{h}.mp4"), os.path.join(OUT, "ffmpeg1", f"video_{h}.mp4")
        sa, sb = os.path.getsize(a), os.path.getsize(b)
        print(f"  video_{h}.mp4 bytes: vod {sa}, ffmpeg1 {sb}")

if __name__ == "__main__":
    main()
