#!/usr/bin/env bash
# Encrypted segment throughput: a mid-video 720p CMAF segment of the transcoder layout served
# clear, whole-segment AES-128, cenc and cbcs by vod-origin (keys derived from a secret), each
# beside Debian's nginx serving the very same bytes as a static file, alternately, several
# rounds, wrk on loopback (one server thread each, one wrk thread: this machine has 2 cores).
# Twice: with the origin's segment memory (the default: a segment is encrypted once, then
# sent from memory) and with --segment-cache-mb 0 (every request reads and encrypts again).
#   bench/protection-bench.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-5}
command -v nginx >/dev/null && command -v wrk >/dev/null || {
  echo "protection-bench: installing nginx-light and wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
}
bench/make-720p.sh >/dev/null
swift build -c release --product vod-origin >/dev/null
out=$PWD/bench/out/protection
rm -rf "$out"; mkdir -p "$out/media" "$out/static" "$out/nginx"
dir=bench/out/ladder-short
if [ ! -s "$dir/video_720.mp4" ]; then
  mkdir -p "$dir"
  ffmpeg -hide_banner -loglevel error -y -i bench/out/720p-1min.mp4 -map 0:v -c copy -movflags +faststart "$dir/video_720.mp4"
  ffmpeg -hide_banner -loglevel error -y -i bench/out/720p-1min.mp4 -map 0:a -c copy -movflags +faststart "$dir/audio.mp4"
fi
for scheme in clear aes-128 cenc cbcs; do
  mkdir -p "$out/media/$scheme"
  ln "$dir/video_720.mp4" "$dir/audio.mp4" "$out/media/$scheme/"
  extra=$([ "$scheme" = clear ] && echo "" || echo ",\"encryption\":\"$scheme\"")
  echo "{\"renditions\":[{\"file\":\"video_720.mp4\",\"type\":\"video\"},{\"file\":\"audio.mp4\",\"type\":\"audio\"}]$extra}" > "$out/media/$scheme/manifest.json"
done
port=18191; nport=18192
cat > "$out/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  types { video/iso.segment m4s; }
  server { listen 127.0.0.1:$nport; root $out/static; }
}
CONF
nginx -c "$out/nginx/nginx.conf"
origin=
trap 'kill $origin 2>/dev/null; nginx -c "$out/nginx/nginx.conf" -s stop 2>/dev/null || true' EXIT
rps() { wrk -t1 -c32 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for cache in ${CACHES:-128 0}; do
  .build/release/vod-origin --media "$out/media" --listen 127.0.0.1:$port --loops 1 --workers 1 --no-access-log --key-secret 5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c \
    --segment-cache-mb $cache 2>"$out/origin-$cache.log" &
  origin=$!
  sleep 1
  echo "segment memory ${cache} MiB"
  printf "%-10s %10s %12s %12s %10s %12s\n" "scheme" "bytes" "vod req/s" "nginx req/s" "÷ nginx" "÷ vod clear"
  clear_rps=
  for scheme in clear aes-128 cenc cbcs; do
    u=/cmaf/$scheme/video_720/5.m4s
    mkdir -p "$out/static$(dirname "$u")"
    curl -sf "http://127.0.0.1:$port$u" -o "$out/static$u"
    ours=(); theirs=(); ratios=()
    for _ in $(seq "$rounds"); do
      a=$(rps "http://127.0.0.1:$port$u"); b=$(rps "http://127.0.0.1:$nport$u")
      ours+=("$a"); theirs+=("$b"); ratios+=("$(python3 -c "print(f'{$a/$b:.3f}')")")
    done
    mine=$(med "${ours[@]}")
    [ "$scheme" = clear ] && clear_rps=$mine
    printf "%-10s %10s %12s %12s %10s %12s\n" "$scheme" "$(stat -c %s "$out/static$u")" "$mine" "$(med "${theirs[@]}")" "$(med "${ratios[@]}")" \
      "$(python3 -c "print(f'{$mine/$clear_rps:.3f}')")"
  done
  kill $origin; wait $origin 2>/dev/null || true
done
