#!/usr/bin/env bash
# vod-edge against nginx proxy_cache (proxy_cache_lock on) in front of the same slow
# origin: coalesced misses, the disk budget, warm restarts, hit throughput. See edge-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null && command -v wrk >/dev/null || {
  echo "edge-bench: installing nginx-light and wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
}
swift build -c release --product vod-edge >/dev/null
exec python3 bench/edge-bench.py
