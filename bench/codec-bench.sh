#!/usr/bin/env bash
# Encode cost per streaming codec (H.264, HEVC, AV1) against the ffmpeg CLI. See codec-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vod-transcoder >/dev/null
exec python3 bench/codec-bench.py "$@"
