#!/usr/bin/env bash
# MP4Box index benchmark: a 2-hour, 60 fps H.264 + AAC file (tiny picture so it is quick to make).
# Reports the time to read the moov and build every track's sample index, the index's bytes per
# sample, and, side by side in the same run, the wall time of `vod inspect` against `ffprobe`
# (FFmpeg's demuxer opening the same file) as a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
long=bench/out/long-2h-60fps.mp4
if [ ! -s "$long" ]; then
  echo "making $long (2 h, 60 fps, 64x36 H.264 with B-frames + AAC stereo)..." >&2
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=64x36:rate=60:duration=7200" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=7200" \
    -c:v libx264 -preset ultrafast -bf 2 -g 120 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 2 -movflags +faststart "$long.tmp.mp4"
  mv "$long.tmp.mp4" "$long"
fi
swift build -c release --product vod-bench >/dev/null
swift build -c release --product vod >/dev/null
.build/release/vod-bench index "$long" --runs 20

# Whole-process comparison, alternating rounds so both see the same machine state.
python3 - "$long" <<'PY'
import statistics, subprocess, sys, time
path = sys.argv[1]
def clock(cmd):
    t = time.perf_counter(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL); return (time.perf_counter() - t) * 1000
ours, theirs = [], []
for _ in range(7):
    ours.append(clock([".build/release/vod", "inspect", "--json", path]))
    theirs.append(clock(["ffprobe", "-v", "error", "-show_entries", "format=duration", path]))
o, t = statistics.median(ours), statistics.median(theirs)
print(f"process: vod inspect median {o:.1f} ms, ffprobe median {t:.1f} ms, ratio ffprobe/vod {t/o:.2f}x (higher is better for us)")
PY
