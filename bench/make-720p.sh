#!/usr/bin/env bash
# Makes 720p30 H.264 (B-frames, 2 s GOP) + AAC test files of 1, 10, 60 and 120 minutes in bench/out:
# one minute is encoded, the longer ones are that minute repeated with stream copy (fast, same bitrate).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
one=bench/out/720p-1min.mp4
if [ ! -s "$one" ]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=60" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
    -c:v libx264 -preset ultrafast -b:v 2000k -maxrate 2500k -bufsize 4000k -bf 2 -g 60 -keyint_min 60 -sc_threshold 0 \
    -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 -movflags +faststart "$one.tmp.mp4"
  mv "$one.tmp.mp4" "$one"
fi
for minutes in 10 60 120; do
  out=bench/out/720p-${minutes}min.mp4
  [ -s "$out" ] && continue
  list=$(mktemp)
  for _ in $(seq "$minutes"); do echo "file '$PWD/$one'" >> "$list"; done
  ffmpeg -hide_banner -loglevel error -y -f concat -safe 0 -i "$list" -c copy -movflags +faststart "$out.tmp.mp4"
  mv "$out.tmp.mp4" "$out"
  rm -f "$list"
done
ls -l bench/out/720p-*.mp4
