#!/usr/bin/env python3
"""Encode cost of each streaming codec (issue 15): one rung of 1080p (keyframes every 2 s,
closed GOPs, no scene cuts, maxrate 1.5x, bufsize 2x, threads auto) plus the AAC audio, made by
`vod-transcoder transcode` with a one-rung profile and by the ffmpeg CLI with the same
encoder and settings, back to back, several rounds. Prints wall and CPU (user + sys) per source
second for each, and the median ratio ours / ffmpeg (goal <= 1.0).
  bench/codec-bench.py [ROUNDS] [SECONDS]   (default 3 rounds of 20 s of 1080p30 at 8 Mb/s)
"""
import json, os, resource, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/out/codecs")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s-8mbps.mp4")
# codec: (bitrate kbit/s as the shipped `modern` profile has it, the ffmpeg CLI's video options)
KEYS = ["-force_key_frames", "expr:gte(t,n_forced*2)"]
CODECS = {
    "h264": (5000, ["-c:v", "libx264", "-preset", "veryfast", "-g", "120", "-keyint_min", "60", "-sc_threshold", "0", "-forced-idr", "1",
                    "-flags", "+cgop"] + KEYS),
    "hevc": (3000, ["-c:v", "libx265", "-preset", "veryfast", "-forced-idr", "1", "-tag:v", "hvc1",
                    "-x265-params", "scenecut=0:open-gop=0:keyint=120:min-keyint=60:log-level=error"] + KEYS),
    "av1": (2500, ["-c:v", "libsvtav1", "-preset", "10", "-g", "60", "-svtav1-params", "irefresh-type=2:scd=0"]),
}
AUDIO = ["-map", "0:a", "-vn", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"]

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.time()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL, env=dict(os.environ, SVT_LOG="1"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.time() - t, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def make_source(path, seconds):
    """1080p30 noisy test picture and a tone, H.264 at 8 Mb/s: made once, kept in bench/out/."""
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-vf", "noise=alls=6:allf=t",
                        "-c:v", "libx264", "-preset", "superfast", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "16M", "-g", "60",
                        "-c:a", "aac", "-b:a", "128k", path], check=True)

def main():
    os.makedirs(OUT, exist_ok=True)
    make_source(SRC, seconds)
    binary = os.path.join(ROOT, ".build/release/vod-transcoder")
    results = {c: {"vod": [], "ffmpeg": []} for c in CODECS}
    for r in range(rounds):
        for codec, (kbps, options) in CODECS.items():
            config = os.path.join(OUT, f"{codec}.json")
            json.dump({"ladder": [{"height": 1080, "videoKbps": kbps, "codec": codec}], "chunkSeconds": 0,
                       "encode": {"gopSeconds": 2, "preset": "veryfast"}}, open(config, "w"))
            d = os.path.join(OUT, f"{codec}-vod")
            subprocess.run(["rm", "-rf", d])
            results[codec]["vod"].append(timed([binary, "transcode", SRC, d, "--config", config]))
            d = os.path.join(OUT, f"{codec}-ffmpeg")
            os.makedirs(d, exist_ok=True)
            rate = ["-b:v", f"{kbps}k", "-maxrate", f"{kbps * 3 // 2}k", "-bufsize", f"{kbps * 2}k", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
            results[codec]["ffmpeg"].append(timed(["ffmpeg", "-v", "error", "-y", "-i", SRC, "-map", "0:v", "-an"] + options + rate +
                                                  [f"{d}/video.mp4"] + AUDIO + ["-movflags", "+faststart", f"{d}/audio.mp4"]))
            (vw, vc), (fw, fc) = results[codec]["vod"][-1], results[codec]["ffmpeg"][-1]
            print(f"round {r + 1} {codec:4s}: vod {vw:6.1f} s wall {vc:6.1f} s CPU; ffmpeg {fw:6.1f} s wall {fc:6.1f} s CPU", flush=True)
    print(f"\n{seconds} s of 1080p30, one 1080p rung + AAC, median of {rounds} rounds (per source second; ratio ours / ffmpeg):")
    for codec, runs in results.items():
        vw, vc = (statistics.median(x[i] for x in runs["vod"]) for i in (0, 1))
        fw, fc = (statistics.median(x[i] for x in runs["ffmpeg"]) for i in (0, 1))
        wall = statistics.median(a[0] / b[0] for a, b in zip(runs["vod"], runs["ffmpeg"]))
        cpu = statistics.median(a[1] / b[1] for a, b in zip(runs["vod"], runs["ffmpeg"]))
        print(f"  {codec:4s} vod {vw / seconds:5.2f} s wall, {vc / seconds:5.2f} s CPU; ffmpeg {fw / seconds:5.2f} s wall, "
              f"{fc / seconds:5.2f} s CPU; ratio wall {wall:.3f}, CPU {cpu:.3f}", flush=True)

if __name__ == "__main__":
    main()
