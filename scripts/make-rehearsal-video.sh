#!/usr/bin/env bash
# Makes Sources/VODOrigin/RehearsalVideo.swift: the 2-second 64x64 MP4 (H.264 with B-frames and
# edit lists, mono AAC, interleaved, index at the front) the origin rehearses on at start-up
# (StartupRehearsal), as base64 in the source so that the binary needs no file beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc=size=64x64:rate=10:duration=2" \
  -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=2" \
  -c:v libx264 -preset ultrafast -crf 45 -bf 2 -g 10 -pix_fmt yuv420p -threads 1 -fflags +bitexact -flags:v +bitexact \
  -bsf:v filter_units=remove_types=6 -c:a aac -b:a 8k -ac 1 -movflags +faststart "$tmp/r.mp4"
ffmpeg -hide_banner -loglevel error -xerror -i "$tmp/r.mp4" -f null -   # decodes cleanly
{
  echo "// Made by scripts/make-rehearsal-video.sh; do not edit."
  echo
  echo "/// The video \`StartupRehearsal\` answers requests for: $(stat -c %s "$tmp/r.mp4") bytes of MP4, 2 s of 64×64 H.264"
  echo "/// (B-frames) and mono AAC, interleaved, as base64."
  echo "enum RehearsalVideo {"
  echo "    static let base64 = \"\"\""
  base64 -w 100 "$tmp/r.mp4" | sed 's/^/        /'
  echo "        \"\"\""
  echo "}"
} > Sources/VODOrigin/RehearsalVideo.swift
