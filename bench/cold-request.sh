#!/usr/bin/env bash
# The first request for a 60-minute video (exact segment durations): the origin parses the
# moov, lays the video out and answers. Two cases, ROUNDS tries each (page cache warm: the
# files were read before), median and then a warm request:
#   first after start-up — a fresh origin process, this its first request;
#   cold video, warm origin — another 60-minute video was loaded first (the process, its
#   threads and its allocator are warm), then this one (a catalog's index-cache miss).
# For the media playlist and for a mid-file CMAF segment, bare file and transcoder layout;
# each without index files (the moov parsed) and with them (`--index-dir`, made by a first
# origin beforehand, as a restarted origin finds them).
#   bench/cold-request.sh [ROUNDS]
#   ORIGIN=/other/build/vod-origin bench/cold-request.sh …   another build (to compare two versions)
#   INDEX=0 bench/cold-request.sh …   without the index-file table (a build from before index files)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
. bench/lib/static-nginx.sh   # median
. bench/lib/ladder.sh
bench/make-ladders.sh
swift build -c release --product vod-origin >/dev/null
out=$PWD/bench/out/cold
rm -rf "$out"; mkdir -p "$out/media"
# Two copies of each (distinct paths are distinct videos to the origin; hard links share the page cache).
for copy in hour warm; do
  ln bench/out/720p-60min.mp4 "$out/media/$copy.mp4"
  link_ladder hour "$out/media/ladder-$copy"
done
cat bench/out/720p-60min.mp4 bench/out/ladder-hour/*.mp4 >/dev/null   # page cache warm, as on a busy origin
port=18191
index_args=()
measure() {  # URL [WARM-UP URL] → seconds of the request (after the warm-up one, if given)
  "${ORIGIN:-.build/release/vod-origin}" --media "$out/media" --listen 127.0.0.1:$port --loops 1 --no-access-log "${index_args[@]}" 2>/dev/null &
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
  [ -n "${2:-}" ] && curl -sf -o /dev/null "http://127.0.0.1:$port$2"
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1"
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1" > "$out/warm"
  kill $pid; wait $pid 2>/dev/null || true
}
ms() { python3 -c "print(round($1*1000,1))"; }
urls=(/hls/hour/video/index.m3u8 /cmaf/hour/video/300.m4s /hls/ladder-hour/video_720/index.m3u8 /cmaf/ladder-hour/video_720/300.m4s)
table() {
  printf "%-42s %22s %24s %10s\n" "request" "first after start-up" "cold video, warm origin" "then"
  for u in "${urls[@]}"; do
    warmup=${u/hour/warm}
    first=(); cold=()
    for _ in $(seq "$rounds"); do first+=("$(measure "$u")"); cold+=("$(measure "$u" "$warmup")"); done
    printf "%-42s %19s ms %21s ms %7s ms\n" "$u" "$(ms "$(median "${first[@]}")")" "$(ms "$(median "${cold[@]}")")" "$(ms "$(cat "$out/warm")")"
  done
}
echo "without index files (the moov parsed):"
table
[ "${INDEX:-1}" = 0 ] && exit 0
# Index files made by a first origin (it writes them after answering), then every origin started with them.
index_args=(--index-dir "$out/index")
"${ORIGIN:-.build/release/vod-origin}" --media "$out/media" --listen 127.0.0.1:$port --loops 1 --no-access-log "${index_args[@]}" 2>/dev/null &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
for u in "${urls[@]}"; do curl -sf -o /dev/null "http://127.0.0.1:$port$u"; curl -sf -o /dev/null "http://127.0.0.1:$port${u/hour/warm}"; done
expected=$((2 + 2 * $(ls bench/out/ladder-hour/*.mp4 | wc -l)))   # 2 bare files and 2 ladders
for _ in $(seq 100); do [ "$(ls "$out/index" | wc -l)" -ge $expected ] && break; sleep 0.1; done
kill $pid; wait $pid 2>/dev/null || true
echo "with index files (--index-dir, $(ls "$out/index" | wc -l) files, $(du -sh "$out/index" | cut -f1)):"
table
