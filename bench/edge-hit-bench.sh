#!/usr/bin/env bash
# Edge hits: vod-edge against nginx proxy_cache and Varnish (and an earlier vod-edge binary
# given as VOD_EDGE_BEFORE=path), playlist / 200 KB / 1 MB / 4 MB. See edge-hit-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in nginx wrk varnishd taskset; do
  command -v "$tool" >/dev/null || {
    echo "edge-hit-bench: installing nginx-light, wrk and varnish" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk varnish >/dev/null
    break
  }
done
swift build -c release --product vod-edge >/dev/null
exec python3 bench/edge-hit-bench.py
