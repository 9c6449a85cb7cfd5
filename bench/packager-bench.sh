#!/usr/bin/env bash
# HLSPackager benchmark on 720p30 files of 1, 10, 60 and 120 minutes (bench/make-720p.sh):
# cold load + every playlist, a media playlist alone, and a mid-file CMAF and TS segment
# (medians), to show a segment's cost does not grow with the file's length.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-720p.sh >/dev/null
swift build -c release --product vod-bench >/dev/null
for minutes in 1 10 60 120; do
  echo "== ${minutes} min"
  .build/release/vod-bench package "bench/out/720p-${minutes}min.mp4" --runs 40
done
