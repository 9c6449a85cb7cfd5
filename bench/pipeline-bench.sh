#!/usr/bin/env bash
# Drop-to-play time for a 60-second 1080p file through the whole stack. See pipeline-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release >/dev/null
exec python3 bench/pipeline-bench.py "$@"
