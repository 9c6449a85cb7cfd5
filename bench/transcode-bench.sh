#!/usr/bin/env bash
# vod-transcoder against one ffmpeg process (split+scale) and four ffmpeg runs on the same
# 1080p source and ladder. See transcode-bench.py.   bench/transcode-bench.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vod-transcoder >/dev/null
exec python3 bench/transcode-bench.py "$@"
