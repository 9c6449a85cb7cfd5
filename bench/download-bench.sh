#!/usr/bin/env bash
# Cost of the five download versions against one ffmpeg CLI command. See download-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vod-transcoder >/dev/null
exec python3 bench/download-bench.py "$@"
