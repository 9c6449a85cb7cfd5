#!/usr/bin/env bash
# `make run`: the whole system on loopback from the files in config/: one transcoder on
# var/spool, three origins (var/origin-1..3, M = 2 replicas) and one edge with its disk
# cache. Makes a demo video when spool and origins are empty. Ctrl-C (or SIGTERM) stops
# every process; starting again reuses what is in var/.
#   scripts/run-stack.sh            (VOD_VAR=dir to use another state directory)
set -euo pipefail
cd "$(dirname "$0")/.."
var=${VOD_VAR:-var}
scripts/install-deps.sh
swift build -c release 2>&1 | grep -E "error|warning: unre|Compiling|Build" | grep -v "^\[" || true
bin=.build/release
[ -x $bin/vod-origin ] && [ -x $bin/vod-edge ] && [ -x $bin/vod-transcoder ] || { echo "run-stack: build failed" >&2; exit 1; }
scripts/install-player.sh "$var/static/videojs"
mkdir -p "$var/log" "$var/spool/incoming" "$var/edge-cache" "$var/origin-1/media" "$var/origin-2/media" "$var/origin-3/media"

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "run-stack: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "run-stack: stopped; state kept in $var/"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

for i in 1 2 3; do
  $bin/vod-origin --config config/origin.json --listen 127.0.0.1:808$i --media "$var/origin-$i/media" --index-dir "$var/origin-$i/index" 2>>"$var/log/origin-$i.log" &
  pids+=($!)
done
$bin/vod-edge --config config/edge.json --cache-dir "$var/edge-cache" 2>>"$var/log/edge.log" &
pids+=($!)
$bin/vod-transcoder --config config/transcoder.json --spool "$var/spool" 2>>"$var/log/transcoder.log" &
pids+=($!)
for url in http://127.0.0.1:8081 http://127.0.0.1:8082 http://127.0.0.1:8083 http://127.0.0.1:8080 http://127.0.0.1:8090; do
  for _ in $(seq 100); do curl -sf -o /dev/null "$url/healthz" && break; sleep 0.1; done
  curl -sf -o /dev/null "$url/healthz" || { echo "run-stack: $url did not come up; see $var/log/" >&2; exit 1; }
done

if [ -z "$(find "$var/spool/incoming" "$var/spool/claimed" "$var"/origin-*/media -mindepth 1 -print -quit 2>/dev/null)" ]; then
  echo "run-stack: making a 20-second demo video and dropping it into $var/spool/incoming/"
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=20" -f lavfi -i "sine=frequency=330:beep_factor=4:duration=20" \
    -c:v libx264 -preset veryfast -c:a aac -b:a 128k -f mp4 "$var/spool/incoming/.demo.mp4.part"
  mv "$var/spool/incoming/.demo.mp4.part" "$var/spool/incoming/demo.mp4"
fi

cat <<INFO

  VOD is running on loopback:
    page (edge):   http://127.0.0.1:8080/
    origins:       http://127.0.0.1:8081  :8082  :8083   (each video on 2 of them)
    transcoder:    http://127.0.0.1:8090/api/jobs   (uploads: /api/uploads, token in config/transcoder.json)
  Upload from the page (token: change-me), with any tus client at http://127.0.0.1:8080/api/uploads,
  or drop video files into $var/spool/incoming/ (write elsewhere, then mv them in).
  Logs: $var/log/ (shown below). Ctrl-C stops everything.

INFO
tail -n 0 -F "$var"/log/*.log &
pids+=($!)
wait -n "${pids[@]:0:5}" || true
echo "run-stack: a daemon exited; see $var/log/" >&2
exit 1
