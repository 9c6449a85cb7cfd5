#!/usr/bin/env bash
# The transcoder's layout of the 1- and 60-minute test files (bench/make-720p.sh): video
# and audio in separate files, so a segment is one file range. Makes
# bench/out/ladder-short and bench/out/ladder-hour (video_720.mp4, audio.mp4) once.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-720p.sh >/dev/null
for v in short:720p-1min hour:720p-60min; do
  name=${v%%:*}; src=bench/out/${v#*:}.mp4; dir=bench/out/ladder-$name
  [ -s "$dir/video_720.mp4" ] && continue
  mkdir -p "$dir"
  ffmpeg -hide_banner -loglevel error -y -i "$src" -map 0:v -c copy -movflags +faststart "$dir/video_720.mp4"
  ffmpeg -hide_banner -loglevel error -y -i "$src" -map 0:a -c copy -movflags +faststart "$dir/audio.mp4"
done
