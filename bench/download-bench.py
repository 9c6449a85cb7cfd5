#!/usr/bin/env python3
"""Cost of the download versions (issue 15): the shipped `downloads` profile's five files at 720p
(MP4 H.264/AAC, WebM VP9/Opus, MKV H.264/AAC, OGG Theora/Vorbis, AVI MPEG-4/MP3) plus one small
streaming rung (256x144 H.264) and the AAC audio, made by `vod-transcoder transcode` and by one
ffmpeg CLI command with the same encoders and settings (one decode, every output), back to back,
several rounds. Ours decodes the source twice (ladder, then downloads) and decodes every download
once more to verify it; the ffmpeg command does neither. Prints wall and CPU per source second
and the median ratio ours / ffmpeg.
  bench/download-bench.py [ROUNDS] [SECONDS]   (default 3 rounds of 20 s of 1080p30 at 8 Mb/s)
"""
import json, os, statistics, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module
codec_bench = import_module("codec-bench")

ROOT = codec_bench.ROOT
OUT = os.path.join(ROOT, "bench/out/downloads")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SRC = os.path.join(ROOT, f"bench/out/src-1080p-{seconds}s-8mbps.mp4")
GOP = ["-g", "120"]  # 2 x gopSeconds at 30 fps, as DownloadVideoEncoder sets it
AUDIO = ["-b:a", "128k", "-ar", "48000", "-ac", "2"]
SCALE = ["-vf", "scale=1280:720:flags=bicubic", "-pix_fmt", "yuv420p"]
# format: (kbit/s as the shipped profile has them, the ffmpeg CLI's codec options)
DOWNLOADS = {
    "mp4": (2800, ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-movflags", "+faststart"]),
    "webm": (2000, ["-c:v", "libvpx-vp9", "-deadline", "good", "-cpu-used", "5", "-row-mt", "1", "-c:a", "libopus"]),
    "mkv": (2800, ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]),
    "ogg": (3000, ["-c:v", "libtheora", "-c:a", "libvorbis"]),
    "avi": (3000, ["-c:v", "mpeg4", "-c:a", "libmp3lame"]),
}

def main():
    os.makedirs(OUT, exist_ok=True)
    codec_bench.make_source(SRC, seconds)
    binary = os.path.join(ROOT, ".build/release/vod-transcoder")
    config = os.path.join(OUT, "downloads.json")
    json.dump({"ladder": [{"height": 144, "videoKbps": 150}], "chunkSeconds": 0, "encode": {"gopSeconds": 2, "preset": "veryfast"},
               "profiles": {"downloads": {"downloads": [{"format": f, "height": 720, "videoKbps": k} for f, (k, _) in DOWNLOADS.items()]}},
               "defaultProfile": "downloads"}, open(config, "w"))
    h264 = codec_bench.CODECS["h264"][1]
    runs = {"vod": [], "ffmpeg": []}
    for r in range(rounds):
        d = os.path.join(OUT, "vod")
        subprocess.run(["rm", "-rf", d])
        runs["vod"].append(codec_bench.timed([binary, "transcode", SRC, d, "--config", config]))
        d = os.path.join(OUT, "ffmpeg")
        os.makedirs(d, exist_ok=True)
        cmd = ["ffmpeg", "-v", "error", "-y", "-i", SRC,
               "-map", "0:v", "-an"] + h264 + ["-s", "256x144", "-b:v", "150k", "-maxrate", "225k", "-bufsize", "300k", "-pix_fmt", "yuv420p",
                                              "-movflags", "+faststart", f"{d}/video_144.mp4"] + codec_bench.AUDIO + ["-movflags", "+faststart", f"{d}/audio.mp4"]
        for fmt, (kbps, options) in DOWNLOADS.items():
            cmd += ["-map", "0:v", "-map", "0:a"] + SCALE + GOP + ["-b:v", f"{kbps}k"] + options + AUDIO + [f"{d}/download_720.{fmt}"]
        runs["ffmpeg"].append(codec_bench.timed(cmd))
        (vw, vc), (fw, fc) = runs["vod"][-1], runs["ffmpeg"][-1]
        print(f"round {r + 1}: vod {vw:6.1f} s wall {vc:6.1f} s CPU; ffmpeg {fw:6.1f} s wall {fc:6.1f} s CPU", flush=True)
    vw, vc = (statistics.median(x[i] for x in runs["vod"]) for i in (0, 1))
    fw, fc = (statistics.median(x[i] for x in runs["ffmpeg"]) for i in (0, 1))
    wall = statistics.median(a[0] / b[0] for a, b in zip(runs["vod"], runs["ffmpeg"]))
    cpu = statistics.median(a[1] / b[1] for a, b in zip(runs["vod"], runs["ffmpeg"]))
    print(f"\n{seconds} s of 1080p30, five 720p download versions + a 144p rung + AAC, median of {rounds} rounds (per source second):")
    print(f"  vod {vw / seconds:5.2f} s wall, {vc / seconds:5.2f} s CPU; ffmpeg {fw / seconds:5.2f} s wall, {fc / seconds:5.2f} s CPU; "
          f"ratio wall {wall:.3f}, CPU {cpu:.3f}", flush=True)

if __name__ == "__main__":
    main()
