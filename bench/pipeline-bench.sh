#!/usr/bin/env bash
# Drop-to-play time for a 60-second 1080p file through the whole stack, published whole (no chunks)
# and chunked with the lowest rung first. See first-play-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release >/dev/null
exec python3 bench/first-play-bench.py "${1:-60}" whole 1
