#!/usr/bin/env bash
# Drop to first play and to the whole ladder with 1, 2 and 1 + 2 remote workers. See first-play-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release >/dev/null
exec python3 bench/first-play-bench.py "$@"
