#!/usr/bin/env bash
# Origin throughput against the physical limit: for each URL, vod-origin serves it cut
# on the fly, then Debian's nginx serves the very same bytes as a static file (sendfile
# on), alternately, several rounds, with wrk on loopback. Prints req/s of both and the
# median ratio. One server thread each (worker_processes 1, --loops 1) and one wrk
# thread, since this machine has 2 cores.
#   bench/origin-bench.sh [ROUNDS] [SECONDS] [PATTERN]   (PATTERN: only rows whose name matches)
#   SEGMENT_CACHE_MB=0 bench/origin-bench.sh …          the origin's segment memory off (the case behind edges)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-5}; pattern=${3:-}
command -v nginx >/dev/null && command -v wrk >/dev/null || {
  echo "origin-bench: installing nginx-light and wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
}
bench/make-ladders.sh
swift build -c release --product vod-origin >/dev/null
out=$PWD/bench/out/origin
rm -rf "$out"; mkdir -p "$out/media" "$out/static" "$out/nginx"
ln bench/out/720p-1min.mp4 "$out/media/short.mp4"
ln bench/out/720p-60min.mp4 "$out/media/hour.mp4"
. bench/lib/ladder.sh
for name in short hour; do link_ladder "$name" "$out/media/ladder-$name"; done

port=18181; nport=18182
.build/release/vod-origin --media "$out/media" --listen 127.0.0.1:$port --loops 1 --segment-cache-mb "${SEGMENT_CACHE_MB:-128}" --no-access-log 2>"$out/origin.log" &
origin=$!
cat > "$out/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; video/mp2t ts; }
  server { listen 127.0.0.1:$nport; root $out/static; }
}
CONF
nginx -c "$out/nginx/nginx.conf"
trap 'kill $origin 2>/dev/null; nginx -c "$out/nginx/nginx.conf" -s stop 2>/dev/null || true' EXIT
sleep 1

urls=(/cmaf/ladder-short/video_720/5.m4s /cmaf/ladder-hour/video_720/300.m4s /cmaf/short/video/5.m4s /cmaf/hour/video/300.m4s
      /hls-ts/ladder-short/video_720/5.ts /hls-ts/short/video/5.ts /hls/ladder-short/master.m3u8 /hls/ladder-hour/video_720/index.m3u8)
names=("CMAF segment, 720p, transcoder layout" "mid-file CMAF segment, 60-min, transcoder layout" "CMAF segment, 720p, interleaved A/V file"
       "mid-file CMAF segment, 60-min, interleaved" "TS segment, 720p, transcoder layout" "TS segment, 720p, interleaved" "master playlist"
       "media playlist, 60-min (600 segments)")
for u in "${urls[@]}"; do
  mkdir -p "$out/static$(dirname "$u")"
  curl -sf "http://127.0.0.1:$port$u" -o "$out/static$u"
done

rps() { wrk -t1 -c32 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
printf "%-45s %10s %12s %12s %8s\n" "URL" "bytes" "vod req/s" "nginx req/s" "ratio"
for i in "${!urls[@]}"; do
  u=${urls[$i]}
  [[ -z "$pattern" || "${names[$i]}" == *$pattern* ]] || continue
  ratios=(); ours=(); theirs=()
  for _ in $(seq "$rounds"); do
    a=$(rps "http://127.0.0.1:$port$u"); b=$(rps "http://127.0.0.1:$nport$u")
    ours+=("$a"); theirs+=("$b"); ratios+=("$(python3 -c "print(f'{$a/$b:.3f}')")")
  done
  med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf "%-45s %10s %12s %12s %8s\n" "${names[$i]}" "$(stat -c %s "$out/static$u")" "$(med "${ours[@]}")" "$(med "${theirs[@]}")" "$(med "${ratios[@]}")"
done
