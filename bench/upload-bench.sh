#!/usr/bin/env bash
# Upload throughput through vod-edge into vod-transcoder's spool (tus) against a PUT to nginx,
# and the memory of the edge and transcoder during a 2 GiB upload. See upload-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null && command -v curl >/dev/null || {
  echo "upload-bench: installing nginx-light and curl" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light curl >/dev/null
}
swift build -c release --product vod-edge >/dev/null
swift build -c release --product vod-transcoder >/dev/null
exec python3 bench/upload-bench.py
