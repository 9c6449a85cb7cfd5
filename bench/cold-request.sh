#!/usr/bin/env bash
# The first request after start-up for the 60-minute file's media playlist (exact
# segment durations): the origin parses the moov, lays the video out and makes that
# one playlist. Restarts the origin for each of ROUNDS tries (page cache warm: the
# file was read before), prints each time and the median, then a warm request.
#   bench/cold-request.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
bench/make-ladders.sh
swift build -c release --product vod-origin >/dev/null
out=$PWD/bench/out/cold
rm -rf "$out"; mkdir -p "$out/media/ladder-hour"
ln bench/out/720p-60min.mp4 "$out/media/hour.mp4"
dir=bench/out/ladder-hour
ln "$dir/video_720.mp4" "$dir/audio.mp4" "$out/media/ladder-hour/"
echo '{"renditions":[{"file":"video_720.mp4","type":"video"},{"file":"audio.mp4","type":"audio"}]}' > "$out/media/ladder-hour/manifest.json"
cat "$out"/media/hour.mp4 "$out"/media/ladder-hour/*.mp4 >/dev/null   # page cache warm, as on a busy origin
port=18191
measure() {  # URL → seconds of the first request after a fresh start
  .build/release/vod-origin --media "$out/media" --listen 127.0.0.1:$port --loops 1 --no-access-log 2>/dev/null &
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1"
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$1" > "$out/warm"
  kill $pid; wait $pid 2>/dev/null || true
}
for u in /hls/hour/video/index.m3u8 /hls/ladder-hour/video_720/index.m3u8; do
  times=(); for _ in $(seq "$rounds"); do times+=("$(measure "$u")"); done
  median=$(printf "%s\n" "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf "%-42s first: %s ms (median of %s: %s)   then: %s ms\n" "$u" \
    "$(python3 -c "print(round($median*1000,1))")" "$rounds" "$(printf "%s " "${times[@]}")" "$(python3 -c "print(round($(cat "$out/warm")*1000,2))")"
done
