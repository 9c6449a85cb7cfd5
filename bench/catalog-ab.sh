#!/usr/bin/env bash
# A/B on the Zipf catalog of bench/catalog-bench.sh (run that first: it makes the 500 videos):
#   bench/catalog-ab.sh origin BIN_A BIN_B ...   vod-origin builds (or wrappers adding flags)
#                                                against the bare catalog, one loop each
#   bench/catalog-ab.sh edge EDGE_A EDGE_B ...   vod-edge builds with any extra flags (e.g.
#                                                ".build/release/vod-edge --memory-cache-mb 0")
#                                                in front of one origin, cache a quarter of the
#                                                catalog, from empty: filled for SECONDS_PER_RUN,
#                                                then measured (with its hit ratio)
# LAYOUT=ladder: the origins serve the catalog in the transcoder's layout (made by
# `LAYOUT=ladder bench/catalog-bench.sh`) instead of bare files.
# Alternates A and B within each of ROUNDS rounds (wrk -t1 -c32 with the Zipf players for
# SECONDS_PER_RUN); prints every run's req/s and p99 (compare medians: this machine's noise is ±20 %).
#   [ROUNDS=3] [SECONDS_PER_RUN=10] [LAYOUT=ladder] bench/catalog-ab.sh origin|edge …
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1; shift
rounds=${ROUNDS:-3}; seconds=${SECONDS_PER_RUN:-10}
out=bench/out/catalog
media=$out/media
[ "${LAYOUT:-bare}" = ladder ] && media=$out/media-ladder
[ -d "$media" ] || { echo "catalog-ab: run ${LAYOUT:+LAYOUT=$LAYOUT }bench/catalog-bench.sh first" >&2; exit 1; }
export VIDEOS=$(ls "$media" | wc -l) SEGMENTS=$(ls "$out/static/cmaf/v001/video" | grep -c m4s) PLAYERS=32
budget=$(( $(du -sm "$out/static/cmaf" | awk '{print $1}') / 4 ))
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done' EXIT
origin() {  # BINARY PORT: started, its pid last in pids
  "$1" --media "$media" --listen 127.0.0.1:$2 --loops 1 --cache-entries $((VIDEOS / 10)) --no-access-log 2>/dev/null &
  pids+=($!)
  until curl -sf -o /dev/null "http://127.0.0.1:$2/healthz"; do sleep 0.05; done
}
stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
players() {  # PORT → "req/s p99"
  wrk -t1 -c32 -d"${seconds}s" --latency -s bench/lib/zipf-players.lua "http://127.0.0.1:$1/" |
    awk '/^ *99%/ {p99 = $2} /Requests\/sec/ {rps = $2} END {print rps, p99}'
}
hits_and_requests() {  # the edge's "hits requests" so far (playlists and segments)
  curl -s http://127.0.0.1:18194/metrics | awk '/^vod_edge_requests_total/ {n += $2; if ($1 ~ /cache="hit"/) h += $2} END {print h + 0, n + 0}'
}
[ "$mode" = edge ] && origin .build/release/vod-origin 18192
for r in $(seq "$rounds"); do
  for variant in "$@"; do
    if [ "$mode" = origin ]; then
      origin "$variant" 18192
      echo "round $r  $variant  $(players 18192)"
    else
      rm -rf "$out/ab-edge-cache"
      # shellcheck disable=SC2086
      $variant --listen 127.0.0.1:18194 --origins http://127.0.0.1:18192 --cache-dir "$out/ab-edge-cache" \
        --max-cache-mb $budget --loops 1 --no-access-log 2>/dev/null &
      pids+=($!)
      until curl -sf -o /dev/null http://127.0.0.1:18194/healthz; do sleep 0.05; done
      players 18194 > /dev/null
      before=$(hits_and_requests)
      measured=$(players 18194)
      echo "round $r  $variant  $measured  hit ratio $(python3 -c "import sys; (h0, r0), (h1, r1) = [map(float, a.split()) for a in sys.argv[1:]]; print(round((h1 - h0) / max(r1 - r0, 1), 3))" "$before" "$(hits_and_requests)")"
    fi
    stop_last
  done
done
