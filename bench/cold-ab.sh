#!/usr/bin/env bash
# Cold requests of two origin builds alternately, each with index files of its own (a build
# does not read another's): the 60-minute file's media playlist, a mid-file video and audio
# segment, and the transcoder layout's playlist; first after start-up and cold video in a warm
# origin (another 60-minute video loaded first); ROUNDS rounds, medians. Uses the media that
# bench/cold-request.sh lays out (run it first).
#   bench/cold-ab.sh BIN_A BIN_B [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; rounds=${3:-9}
out=bench/out/cold
[ -d "$out/media" ] || { echo "cold-ab: run bench/cold-request.sh first" >&2; exit 1; }
port=18391
start() {  # BIN INDEX-DIR: started, pid in $pid
  "$1" --media "$out/media" --listen 127.0.0.1:$port --loops 1 --no-access-log --index-dir "$2" 2>/dev/null &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
}
prepare() {  # BIN INDEX-DIR: its index files made
  rm -rf "$2"; start "$1" "$2"
  for u in /hls/hour/video/index.m3u8 /hls/warm/video/index.m3u8 /hls/ladder-hour/video_720/index.m3u8 /hls/ladder-warm/video_720/index.m3u8; do
    curl -sf -o /dev/null "http://127.0.0.1:$port$u"
  done
  sleep 4; kill $pid; wait $pid 2>/dev/null || true
}
once() {  # BIN INDEX-DIR URL [WARM-UP URL] → seconds
  start "$1" "$2"
  [ -n "${4:-}" ] && curl -sf -o /dev/null "http://127.0.0.1:$port$4"
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$3"
  kill $pid; wait $pid 2>/dev/null || true
}
prepare "$A" "$out/index-a"; prepare "$B" "$out/index-b"
printf "%-42s %-6s %10s %10s\n" request case "A ms" "B ms"
for u in /hls/hour/video/index.m3u8 /cmaf/hour/video/300.m4s /cmaf/hour/audio/300.m4s /hls/ladder-hour/video_720/index.m3u8; do
  for warm in "" "${u/hour/warm}"; do
    a=(); b=()
    for _ in $(seq "$rounds"); do a+=("$(once "$A" "$out/index-a" "$u" "$warm")"); b+=("$(once "$B" "$out/index-b" "$u" "$warm")"); done
    python3 - "$u" "${warm:+cold}" "${a[*]}" "${b[*]}" <<'PY'
import statistics, sys
ms = lambda s: statistics.median(float(x) for x in s.split()) * 1000
print(f"{sys.argv[1]:<42} {sys.argv[2] or 'first':<6} {ms(sys.argv[3]):>10.1f} {ms(sys.argv[4]):>10.1f}")
PY
  done
done
