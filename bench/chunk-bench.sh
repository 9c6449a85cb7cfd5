#!/usr/bin/env bash
# Chunked (with and without the early pass) against whole-file encoding of one 1080p source: overhead and quality. See chunk-bench.py.
#   bench/chunk-bench.sh [SECONDS] [CHUNK_SECONDS] [crf18|8mbps]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vod-transcoder >/dev/null
exec python3 bench/chunk-bench.py "$@"
